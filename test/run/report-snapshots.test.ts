import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { startRun } from '../../src/engine/run.ts';
import { decodeHistogram, summarize, type MetricsSnapshot } from '../../src/metrics/index.ts';
import type { ActorGroup } from '../../src/scenario/types.ts';
import { defineScenario } from '../../src/scenario/define-scenario.ts';

/* result.json is rewritten while a run goes, from a snapshot built one series per loop turn
 * (src/engine/snapshot-yielding.ts): what lands on disk must still be whole and true. */

it('writes a whole, decodable result.json while the run goes, and the final report replaces it', async () => {
  const actors: Record<string, ActorGroup> = {};
  for (let g = 1; g <= 12; g++) {
    actors[`g${g}`] = {
      executor: { type: 'constant-arrival-rate', rate: 5, duration: '3500ms' },
      async iteration({ think }) {
        await think('2ms');
      },
    };
  }
  const reportDir = mkdtempSync(join(tmpdir(), 'bazaar-partial-'));
  const resultPath = join(reportDir, 'result.json');
  let midRun: { partial: boolean; metrics: MetricsSnapshot } | undefined;
  const result = await startRun({
    scenario: defineScenario({ name: 'partial', world: { sellers: 1, listingsPerSeller: 1, bookings: 1 }, actors }),
    reportDir,
    onProgress(progress) {
      // The first partial is written 2 s in, and rewritten every 2 s.
      if (!midRun && progress.elapsedMs >= 2_900) midRun = JSON.parse(readFileSync(resultPath, 'utf8'));
    },
  });

  expect(midRun?.partial).toBe(true);
  const keys = midRun?.metrics.latencies.map((s) => s.key) ?? [];
  expect(keys).toEqual(expect.arrayContaining(['iteration{group:g1}', 'iteration{group:g12}', 'schedule_lag{group:g1}', 'schedule_lag{group:g12}']));
  for (const series of midRun?.metrics.latencies ?? []) {
    expect(summarize(decodeHistogram(series.histogram)), series.key).toEqual(series.summary);
    expect(summarize(decodeHistogram(series.uncorrectedHistogram)), series.key).toEqual(series.uncorrected);
    expect(series.summary.count, series.key).toBeGreaterThan(0);
  }
  const final = JSON.parse(readFileSync(resultPath, 'utf8'));
  expect(final.partial).toBe(false);
  expect(final.metrics).toEqual(JSON.parse(JSON.stringify(result.metrics)));
  expect(final.metrics.counters.find((c: { key: string }) => c.key === 'iterations{group:g1}')?.value).toBe(18);
}, 60_000);
