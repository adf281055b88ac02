import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderHgrm } from '../metrics/index.ts';
import { renderRunJunit } from './junit.ts';
import { renderSummaryMarkdown, type RunResultForReport } from './summary.ts';

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
  /** result.json, summary.md, junit.xml and one .hgrm per latency series. */
  writeFinal(result: RunResultForReport & object): string[];
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
