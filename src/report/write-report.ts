import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { BazaarError } from '../errors.ts';
import { renderHgrm } from '../metrics/index.ts';
import { renderRunHtml, type RunResultForHtml } from './html/run-html.ts';
import type { ChartAssets } from './html/page.ts';
import { renderRunJunit } from './junit.ts';
import { renderSummaryMarkdown } from './summary.ts';

/** Where a run's report goes by default: reports/<timestamp>_<name>/ under the working directory. */
export function defaultReportDir(name: string, startedAt: Date, cwd = process.cwd()): string {
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-').replace('T', '_').slice(0, 19);
  return join(cwd, 'reports', `${stamp}_${name.replace(/[^\w.-]+/g, '-')}`);
}

/** Write a file whole or not at all: a crash mid-write never leaves half a JSON behind. */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

export interface ReportWriter {
  dir: string;
  /** result.json only: cheap enough to call every few seconds while the run goes. */
  writeSnapshot(result: object): void;
  /** result.json, summary.md, junit.xml, report.html and one .hgrm per latency series. */
  writeFinal(result: RunResultForHtml & object): string[];
}

export function createReportWriter(dir: string): ReportWriter {
  mkdirSync(dir, { recursive: true });
  const resultPath = join(dir, 'result.json');
  return {
    dir,
    writeSnapshot(result) {
      writeFileAtomic(resultPath, `${JSON.stringify(result, null, 2)}\n`);
    },
    writeFinal(result) {
      const written = [resultPath];
      writeFileAtomic(resultPath, `${JSON.stringify(result, null, 2)}\n`);
      const summaryPath = join(dir, 'summary.md');
      writeFileAtomic(summaryPath, renderSummaryMarkdown(result));
      written.push(summaryPath);
      const htmlPath = join(dir, 'report.html');
      writeFileAtomic(htmlPath, renderRunHtml(result, loadChartAssets()));
      written.push(htmlPath);
      const junitPath = join(dir, 'junit.xml');
      writeFileAtomic(junitPath, renderRunJunit(result));
      written.push(junitPath);
      for (const series of result.metrics.latencies) {
        const file = join(dir, `${series.key.replace(/[^\w.-]+/g, '_').replace(/_+$/, '')}.hgrm`);
        writeFileAtomic(file, renderHgrm(series.histogram, { unit: 'ms' }));
        written.push(file);
      }
      return written;
    },
  };
}

let chartAssets: ChartAssets | undefined;

/**
 * uPlot's browser build and styles, to inline into report.html. Resolved as a package from this
 * module, so it works in a checkout (src/report) and in the installed package (dist/src/report),
 * where `uplot` is a runtime dependency. Read once per process.
 */
export function loadChartAssets(): ChartAssets {
  if (chartAssets) return chartAssets;
  const require = createRequire(import.meta.url);
  try {
    chartAssets = {
      uplotJs: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
      uplotCss: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
    };
  } catch (cause) {
    throw new BazaarError('BAZAAR_MISSING_DEPENDENCY', `cannot read the chart library for report.html: ${(cause as Error).message}`,
      'reinstall bazaar (npm install): its dependency uplot is missing', { cause });
  }
  return chartAssets;
}
