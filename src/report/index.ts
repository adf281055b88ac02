export * from './format.ts';
export * from './table.ts';
export * from './summary.ts';
export * from './progress.ts';
export { renderRunHtml, type RunResultForHtml } from './html/run-html.ts';
export { renderCheckHtml } from './html/check-html.ts';
export type { ChartAssets } from './html/page.ts';
