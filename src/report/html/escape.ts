import { BazaarError } from '../../errors.ts';

/**
 * Text for HTML content and attribute values. Everything a report shows that came from the
 * target (evidence, error messages, disconnect reasons, room and event names) goes through
 * here: in a security check, evidence is whatever a hostile server chose to send back.
 */
export function escapeHtml(text: unknown): string {
  return String(text)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/**
 * JSON to embed in `<script type="application/json">`: `<` is written `\u003c`, so no string in
 * the data can close the script element (`</script>`) or open a comment (`<!--`); U+2028 and
 * U+2029 are escaped for older parsers. JSON.parse reads it back unchanged.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replaceAll('<', '\\u003c')
    .replaceAll('>', '\\u003e')
    .replaceAll('&', '\\u0026')
    .replaceAll('\u2028', '\\u2028')
    .replaceAll('\u2029', '\\u2029');
}

/** Code bundled into a `<script>` element (uPlot): refused if it could end the element early. */
export function scriptText(code: string, what: string): string {
  if (/<\/script|<!--/i.test(code)) {
    throw new BazaarError('BAZAAR_BAD_ASSET', `${what} contains "</script" or "<!--" and cannot be inlined in a <script> element`,
      'reinstall bazaar\'s dependencies (npm ci): the bundled chart library is not the one bazaar ships with');
  }
  return code;
}

/** CSS bundled into a `<style>` element: refused if it could end the element early. */
export function styleText(css: string, what: string): string {
  if (/<\/style/i.test(css)) {
    throw new BazaarError('BAZAAR_BAD_ASSET', `${what} contains "</style" and cannot be inlined in a <style> element`,
      'reinstall bazaar\'s dependencies (npm ci): the bundled chart styles are not the ones bazaar ships with');
  }
  return css;
}
