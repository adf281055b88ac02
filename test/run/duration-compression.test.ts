import { describe, expect, it } from 'vitest';
import { startRun } from '../../src/engine/run.ts';
import { defineScenario } from '../../src/scenario/index.ts';
import type { RunResult } from '../../src/engine/run.ts';

const counter = (result: RunResult, name: string) =>
  result.metrics.counters.filter((c) => c.name === name).reduce((sum, c) => sum + c.value, 0);

/** `--duration` compresses the scenario's timeline: what happens when, not how fast the target must answer. */
describe('--duration rescales the timeline', () => {
  it('compresses think(): a 20 s scenario of 2 s thinks played in 2 s thinks 0.2 s', async () => {
    const scenario = defineScenario({
      executor: { type: 'constant-vus', vus: 1, duration: '20s' },
      async iteration({ think }) {
        await think('2s');
      },
    });
    const result = await startRun({ scenario, durationMs: 2_000, reportDir: false });
    // Uncompressed, the one VU would finish a single 2 s iteration in the 2 s run.
    expect(counter(result, 'iterations')).toBeGreaterThanOrEqual(5);
    const iteration = result.metrics.latencies.find((l) => l.name === 'iteration');
    expect(iteration?.summary.p50Us).toBeLessThan(1_000_000);
  }, 30_000);

  it('compresses gracefulStop: an iteration that never ends is cut after a tenth of it', async () => {
    const scenario = defineScenario({
      options: { gracefulStop: '30s' },
      executor: { type: 'constant-vus', vus: 1, duration: '10s' },
      iteration: ({ signal }) =>
        new Promise<void>((_, reject) => signal.addEventListener('abort', () => reject(new Error('stopped')), { once: true })),
    });
    const result = await startRun({ scenario, durationMs: 1_000, reportDir: false });
    expect(counter(result, 'iterations_interrupted')).toBe(1);
    // 1 s of schedule and 3 s of grace; uncompressed, the grace alone would be 30 s.
    expect(result.durationMs).toBeLessThan(15_000);
  }, 60_000);

  it('compresses delayAbortEval: an abortOnFail threshold delayed 10 s of a 40 s scenario fires in a 4 s run', async () => {
    const scenario = defineScenario({
      executor: { type: 'constant-vus', vus: 1, duration: '40s' },
      thresholds: { iterations: [{ threshold: 'count<1', abortOnFail: true, delayAbortEval: '10s' }] },
      async iteration({ think }) {
        await think('1s');
      },
    });
    const result = await startRun({ scenario, durationMs: 4_000, reportDir: false });
    expect(result.status).toBe('aborted');
    expect(result.reason).toMatch(/abortOnFail/);
  }, 30_000);
});
