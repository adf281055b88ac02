import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRun } from '../../src/engine/run.ts';
import { startEmbeddedServer, type EmbeddedServer } from '../../src/lab/embedded-server.ts';
import type { LatencySnapshot, MetricsSnapshot } from '../../src/metrics/index.ts';
import { defineScenario } from '../../src/scenario/define-scenario.ts';

/* The coordinated-omission model of docs/latency.md, end to end: a real reference server in its
 * own process, a real run through startRun. */

const MS = 1_000;

function series(metrics: MetricsSnapshot, key: string): LatencySnapshot {
  const found = metrics.latencies.find((s) => s.key === key);
  if (!found) throw new Error(`no series ${key} in ${metrics.latencies.map((s) => s.key).join(', ')}`);
  return found;
}

function counter(metrics: MetricsSnapshot, key: string): number {
  return metrics.counters.find((c) => c.key === key)?.value ?? 0;
}

describe('at light load', () => {
  it('corrected and uncorrected percentiles agree (within 1 ms or 10%), and how late arrivals started is its own series', async () => {
    const scenario = defineScenario({
      name: 'light',
      world: { sellers: 4, listingsPerSeller: 2, bookings: 8 },
      // 120 arrivals: a series' p99 is its second-worst sample, not one outlier alone.
      // Four VUs are plenty for 30 short iterations a second, and keep the run light: a burst of
      // dozens of first connects at the start is not light load on a shared 2-core machine.
      executor: { type: 'constant-arrival-rate', rate: 30, duration: '4s', preAllocatedVUs: 4, maxVUs: 4 },
      async iteration({ buyer, listing, booking }) {
        await buyer.watch(listing!);
        await buyer.join(booking!);
        await buyer.send(booking!, 'is it still available?');
      },
    });
    const result = await startRun({ scenario, reportDir: false });

    const compared = result.metrics.latencies.filter((s) => s.name !== 'schedule_lag' && s.summary.count > 0);
    expect(compared.map((s) => s.key)).toEqual(expect.arrayContaining(['ack{event:listing:watch}', 'ack{event:message:send}', 'iteration{group:default}']));
    for (const { key, summary, uncorrected } of compared) {
      for (const field of ['p50Us', 'p95Us', 'p99Us'] as const) {
        const allowedUs = Math.max(1 * MS, 0.1 * uncorrected[field]);
        expect(Math.abs(summary[field] - uncorrected[field]), `${key} ${field}: corrected ${summary[field]} µs, uncorrected ${uncorrected[field]} µs`)
          .toBeLessThanOrEqual(allowedUs);
      }
    }
    const lag = series(result.metrics, 'schedule_lag{group:default}');
    expect(lag.summary.count).toBe(120);
    expect(result.generator.scheduleLagP99Ms).toBeTypeOf('number');
  }, 60_000);
});

describe('when the target freezes for 1 s in a constant-arrival run', () => {
  let server: EmbeddedServer;
  beforeAll(async () => {
    server = await startEmbeddedServer();
  }, 30_000);
  afterAll(async () => {
    process.kill(server.pid, 'SIGCONT');
    await server.close();
  });

  it('the corrected p99 shows the stall and the uncorrected one does not', async () => {
    const freeze = freezeOnce(server.pid, { afterMs: 1_500, forMs: 1_000 });
    const scenario = defineScenario({
      name: 'freeze',
      world: { sellers: 4, listingsPerSeller: 2, bookings: 8 },
      actors: {
        // One VU and arrivals that queue for it: the arrivals due during the freeze wait, and
        // count from when they were due.
        queued: {
          executor: { type: 'constant-arrival-rate', rate: 50, duration: '5s', preAllocatedVUs: 1, maxVUs: 1, whenVUsBusy: 'queue' },
          async iteration({ buyer, listing }) {
            freeze.tick();
            await buyer.watch(listing!);
          },
        },
        // Users that do many steps in a row: the steps after a stalled one count from when they
        // would have started.
        steps: {
          executor: { type: 'constant-arrival-rate', rate: 4, duration: '5s' },
          // presence:watch: an ack the contract always answers (a leave's is optional and not waited for).
          async iteration({ seller, world, think }) {
            for (let i = 0; i < 60; i++) {
              await seller.watchPresence(world.buyers[0]!);
              await think('8ms');
            }
          },
        },
      },
    });
    const result = await startRun({ scenario, target: server.url, jwtSecret: server.jwtSecret, reportDir: false });
    expect(freeze.done).toBe(true);

    for (const key of ['ack{event:listing:watch}', 'ack{event:presence:watch}']) {
      const { summary, uncorrected } = series(result.metrics, key);
      expect(summary.p99Us, `${key} corrected p99`).toBeGreaterThanOrEqual(600 * MS);
      expect(uncorrected.p99Us, `${key} uncorrected p99`).toBeLessThan(300 * MS);
    }
    // Queued, not dropped: every arrival ran.
    expect(counter(result.metrics, 'dropped_iterations{group:queued}')).toBe(0);
    expect(counter(result.metrics, 'iterations{group:queued}')).toBe(250);
    // The generator was not late: the stall is the target's, and schedule lag stays small.
    expect(series(result.metrics, 'schedule_lag{group:queued}').summary.p99Us).toBeLessThan(100 * MS);
  }, 60_000);
});

/** SIGSTOP `pid` once, `afterMs` after the first tick, and SIGCONT it `forMs` later. */
function freezeOnce(pid: number, { afterMs, forMs }: { afterMs: number; forMs: number }) {
  let firstTickAt: number | undefined;
  let state: 'waiting' | 'frozen' | 'done' = 'waiting';
  return {
    tick() {
      const now = performance.now();
      firstTickAt ??= now;
      if (state !== 'waiting' || now - firstTickAt < afterMs) return;
      state = 'frozen';
      process.kill(pid, 'SIGSTOP');
      setTimeout(() => {
        process.kill(pid, 'SIGCONT');
        state = 'done';
      }, forMs);
    },
    get done() {
      return state === 'done';
    },
  };
}

describe('arrivals queued for a free VU (whenVUsBusy: queue)', () => {
  it('are dropped and counted when the graceful stop runs out, never started after it', async () => {
    const scenario = defineScenario({
      name: 'queue-stop',
      world: { sellers: 1, listingsPerSeller: 1, bookings: 1 },
      options: { gracefulStop: '200ms' },
      // One VU, stuck for 2 s in its first iteration: the other nine arrivals queue behind it.
      executor: { type: 'constant-arrival-rate', rate: 10, duration: '1s', preAllocatedVUs: 1, maxVUs: 1, whenVUsBusy: 'queue' },
      async iteration({ think }) {
        await think('2s');
      },
    });
    const result = await startRun({ scenario, reportDir: false });
    expect(counter(result.metrics, 'iterations_interrupted{group:default}')).toBe(1);
    expect(counter(result.metrics, 'dropped_iterations{group:default}')).toBe(9);
    expect(counter(result.metrics, 'iterations{group:default}')).toBe(0);
  }, 60_000);
});
