import { BazaarError } from '../errors.ts';

/** Any answer proves the server is there (a 404 on a health path the app lacks included). */
export async function checkReachable(target: string, healthPath: string | false = '/healthz'): Promise<void> {
  let url: URL;
  try {
    url = new URL(healthPath === false ? '/' : healthPath, target);
  } catch {
    throw new BazaarError('BAZAAR_BAD_TARGET', `--target "${target}" is not a URL`, 'write it like http://127.0.0.1:3000');
  }
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    await res.arrayBuffer();
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    throw new BazaarError('BAZAAR_TARGET_UNREACHABLE', `cannot reach ${target}: ${cause}`,
      'start the server first, or leave out --target to use the bundled reference server');
  }
}
