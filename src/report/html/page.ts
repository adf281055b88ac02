import { CHARTS_SCRIPT, type ChartSpec } from './charts-script.ts';
import { escapeHtml, jsonForScript, scriptText, styleText } from './escape.ts';

/** The chart library, read by the caller (src/report/write-report.ts) and inlined: the page fetches nothing. */
export interface ChartAssets {
  /** uPlot's IIFE build (uplot/dist/uPlot.iife.min.js). */
  uplotJs: string;
  /** uplot/dist/uPlot.min.css */
  uplotCss: string;
}

const STYLE = `
:root { color-scheme: light; --ok: #15803d; --ok-bg: #dcfce7; --bad: #b91c1c; --bad-bg: #fee2e2; --warn: #a16207; --warn-bg: #fef9c3; --line: #e5e7eb; --muted: #6b7280; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #111827; background: #f9fafb; }
main { max-width: 1200px; margin: 0 auto; padding: 16px 20px 48px; }
h1 { font-size: 20px; margin: 8px 0 4px; }
h2 { font-size: 16px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 13px; margin: 0 0 4px; font-weight: 600; word-break: break-all; }
.facts { color: var(--muted); margin: 0 0 12px; }
.facts span { margin-right: 16px; white-space: nowrap; }
.banner { border-radius: 8px; padding: 14px 18px; margin: 12px 0 8px; border: 1px solid; }
.banner .verdict { font-size: 24px; font-weight: 700; letter-spacing: 0.02em; }
.banner ul { margin: 6px 0 0; padding-left: 20px; }
.banner.ok { background: var(--ok-bg); border-color: var(--ok); color: #14532d; }
.banner.bad { background: var(--bad-bg); border-color: var(--bad); color: #7f1d1d; }
.banner.warn { background: var(--warn-bg); border-color: var(--warn); color: #713f12; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: 13px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #f3f4f6; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.pass { color: var(--ok); font-weight: 600; white-space: nowrap; }
td.fail { color: var(--bad); font-weight: 600; white-space: nowrap; }
td.skip { color: var(--warn); font-weight: 600; white-space: nowrap; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
td.evidence { white-space: pre-wrap; word-break: break-word; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 12px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 10px; min-width: 0; }
.chart { min-height: 220px; }
.note { color: var(--muted); font-size: 12px; margin: 4px 0; }
.empty { color: var(--muted); font-style: italic; }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
`;

export interface PageParts {
  title: string;
  body: string;
  /** Charts to draw: present, the page inlines uPlot and the drawing script. */
  charts?: { specs: ChartSpec[]; assets: ChartAssets };
}

/** One self-contained HTML document: styles, data and scripts inline, nothing fetched. */
export function renderPage(parts: PageParts): string {
  const charts = parts.charts && parts.charts.specs.length > 0 ? parts.charts : undefined;
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // Nothing may be fetched: a report opened from a CI artifact store works offline.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${escapeHtml(parts.title)}</title>`,
    ...(charts ? [`<style>${styleText(charts.assets.uplotCss, 'uPlot.min.css')}</style>`] : []),
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<main>',
    parts.body,
    '</main>',
    ...(charts
      ? [
          `<script id="bazaar-charts" type="application/json">${jsonForScript(charts.specs)}</script>`,
          `<script>${scriptText(charts.assets.uplotJs, 'uPlot.iife.min.js')}</script>`,
          `<script>${CHARTS_SCRIPT}</script>`,
        ]
      : []),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** A table of escaped cells. `cells` are already HTML (escape what comes from outside first). */
export function htmlTable(headers: { text: string; className?: string }[], rows: { html: string; className?: string }[][]): string {
  const head = headers.map((h) => `<th${h.className ? ` class="${h.className}"` : ''}>${escapeHtml(h.text)}</th>`).join('');
  const body = rows
    .map((row) => `<tr>${row.map((cell) => `<td${cell.className ? ` class="${cell.className}"` : ''}>${cell.html}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}
