/* The generator watching itself at light load, in its own process. Started by bench/run.ts:
 *
 *   node bench/generator-health.ts --duration 20s --groups 24 --rate 2 [--core 0 --server-core 1]
 *
 * Runs a real `startRun` against the bundled reference server (its own process; moved to
 * --server-core when given, so it does not share this process's core): `--groups` actor groups,
 * each a constant arrival rate of `--rate`/s doing two acked round trips, their arrivals
 * interleaved, so the run has more than 2 × groups latency series, and result.json is rewritten every 2 s as in any
 * run. Prints one JSON line (a HealthResult): the generator's own verdict figures, that is the
 * event-loop delay p99 over the schedule (and of its worst one-second window) and the p99 of how
 * late arrivals started (schedule_lag), the figures issue 12 set targets on. Progress goes to stderr. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { startRun } from '../src/engine/run.ts';
import { startEmbeddedServer } from '../src/lab/embedded-server.ts';
import { createMetricsRegistry } from '../src/metrics/index.ts';
import type { ActorGroup } from '../src/scenario/types.ts';
import { defineScenario } from '../src/scenario/define-scenario.ts';
import { parseDurationMs } from '../src/util/duration.ts';
import { coreBusyMs } from './workload.ts';

export interface HealthResult {
  groups: number;
  ratePerSecPerGroup: number;
  durationMs: number;
  latencySeries: number;
  iterations: number;
  /** The generator-health verdict's figures (src/engine/generator-health.ts): p99 over the schedule... */
  loopDelayP99OverRunMs: number | undefined;
  /** ...and the worst one-second window's p99, which saturation is judged on. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /**
   * The same p99 as the bench itself measures it (its own monitor, from the first progress report
   * to the last, beyond the 10 ms sampling interval): comparable across versions of bazaar.
   */
  benchLoopDelayP99Ms: number | undefined;
  /** undefined: the code under test does not record schedule_lag. */
  scheduleLagP99Ms: number | undefined;
  cpuPercent: number;
  /** The same lateness for a bare timer loop in this process (nothing else running): the platform's floor. */
  timerFloorLagP99Ms: number;
  /** A report snapshot of 20 series × 20k samples, every series changed since the last one. */
  snapshot: { series: number; samplesPerSeries: number; wholeMs: number; longestStepMs: number | undefined };
  /** CPU % of this process's core used by other processes over the run (--core); on a shared machine the figure to read first. */
  foreignCpuPercent: number | undefined;
  saturated: boolean;
  serverPinned: boolean;
}

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '20s' },
    groups: { type: 'string', default: '24' },
    rate: { type: 'string', default: '2' },
    core: { type: 'string' },
    'server-core': { type: 'string' },
  },
});

async function main(): Promise<void> {
  const durationMs = parseDurationMs(values.duration, '--duration');
  const groups = Number(values.groups);
  const rate = Number(values.rate);
  if (!Number.isInteger(groups) || groups < 1) throw new Error(`--groups must be a whole number ≥ 1, not ${values.groups}`);
  if (!(rate > 0)) throw new Error(`--rate must be a number above 0, not ${values.rate}`);

  const server = await startEmbeddedServer();
  const serverPinned = values['server-core'] !== undefined
    && spawnSync('taskset', ['-a', '-p', '-c', values['server-core'], String(server.pid)], { stdio: 'ignore' }).status === 0;
  const reportDir = mkdtempSync(join(tmpdir(), 'bazaar-bench-health-'));
  try {
    const actors: Record<string, ActorGroup> = {};
    // Each group starts a little after the one before, so that arrivals spread evenly over the
    // second instead of all groups' arriving in the same millisecond (a burst is load, not light).
    const spacingMs = 1_000 / rate / groups;
    for (let g = 1; g <= groups; g++) {
      actors[`g${String(g).padStart(2, '0')}`] = {
        startTime: `${Math.round((g - 1) * spacingMs)}ms`,
        executor: { type: 'constant-arrival-rate', rate, duration: `${durationMs}ms` },
        async iteration({ buyer, listing }) {
          await buyer.watch(listing!);
          await buyer.unwatch(listing!);
        },
      };
    }
    const scenario = defineScenario({ name: 'bench-health', world: { sellers: 8, listingsPerSeller: 2, bookings: 16 }, actors });
    process.stderr.write(`  generator health: ${groups} groups × ${rate}/s for ${durationMs / 1000}s\n`);
    const core = values.core === undefined ? undefined : Number(values.core);
    let before: { coreMs: number | undefined; cpu: NodeJS.CpuUsage; at: number } | undefined;
    const loop = monitorEventLoopDelay({ resolution: 10 });
    let benchLoopDelayP99Ms: number | undefined;
    const result = await startRun({
      scenario,
      target: server.url,
      jwtSecret: server.jwtSecret,
      reportDir,
      // The first progress report comes a second into the schedule: seeding is over.
      onProgress() {
        if (before) {
          benchLoopDelayP99Ms = Math.round(Math.max(0, loop.percentile(99) / 1e6 - 10) * 10) / 10;
          return;
        }
        before = { coreMs: coreBusyMs(core), cpu: process.cpuUsage(), at: performance.now() };
        loop.enable();
      },
    });
    loop.disable();
    const coreMs = coreBusyMs(core);
    const ownMs = before ? (() => {
      const cpu = process.cpuUsage(before.cpu);
      return (cpu.user + cpu.system) / 1000;
    })() : 0;
    const foreignCpuPercent = before?.coreMs === undefined || coreMs === undefined
      ? undefined
      : Math.max(0, Math.round(((coreMs - before.coreMs - ownMs) / (performance.now() - before.at)) * 1000) / 10);
    const iterations = result.metrics.counters.filter((c) => c.name === 'iterations').reduce((sum, c) => sum + c.value, 0);
    const snapshot = measureSnapshot(20, 20_000);
    const timerFloorLagP99Ms = await measureTimerFloor(rate * groups, 300);
    const health: HealthResult = {
      groups,
      ratePerSecPerGroup: rate,
      durationMs,
      latencySeries: result.metrics.latencies.length,
      iterations,
      loopDelayP99OverRunMs: result.generator.loopDelayP99OverRunMs,
      benchLoopDelayP99Ms,
      loopDelayP99Ms: result.generator.loopDelayP99Ms,
      loopDelayMaxMs: result.generator.loopDelayMaxMs,
      scheduleLagP99Ms: result.generator.scheduleLagP99Ms,
      cpuPercent: result.generator.cpuPercent,
      snapshot,
      timerFloorLagP99Ms,
      foreignCpuPercent,
      saturated: result.generator.saturated,
      serverPinned,
    };
    process.stdout.write(`${JSON.stringify(health)}\n`);
  } finally {
    rmSync(reportDir, { recursive: true, force: true });
    await server.close();
  }
}

/**
 * The micro-measure behind issue 12's item 2: `series` latency series of `samples` samples each,
 * every one recorded in since the last snapshot (as under load), then a whole snapshot
 * (`snapshot()`, what the final report takes) and one taken in steps (`snapshotInSteps()`, what
 * the partial reports take, a loop turn per step): how long the longest step holds the loop.
 * Medians of 5 rounds, after 2 unmeasured ones.
 */
function measureSnapshot(series: number, samples: number): HealthResult['snapshot'] {
  const metrics = createMetricsRegistry();
  const all = Array.from({ length: series }, (_, i) => metrics.latency('ack', { event: `e${i}` }));
  let seed = 1;
  const random = () => ((seed = (seed * 16_807) % 2_147_483_647) / 2_147_483_647);
  const fill = (n: number) => {
    for (const one of all) {
      for (let i = 0; i < n; i++) {
        const latencyUs = 200 + random() * 5_000 * (random() < 0.01 ? 100 : 1);
        one.record(0, latencyUs, -random() * 1_000);
      }
    }
  };
  fill(samples);
  const stepwise = (metrics as { snapshotInSteps?: () => Generator<void, unknown> }).snapshotInSteps?.bind(metrics);
  const wholes: number[] = [];
  const longest: number[] = [];
  for (let round = 0; round < 7; round++) {
    fill(10);
    const t0 = performance.now();
    metrics.snapshot();
    const wholeMs = performance.now() - t0;
    fill(10);
    let worstMs = 0;
    if (stepwise) {
      const steps = stepwise();
      for (let done = false; !done; ) {
        const t = performance.now();
        done = steps.next().done === true;
        worstMs = Math.max(worstMs, performance.now() - t);
      }
    }
    if (round >= 2) {
      wholes.push(wholeMs);
      longest.push(worstMs);
    }
  }
  const median = (values: number[]) => Math.round([...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]! * 100) / 100;
  return { series, samplesPerSeries: samples, wholeMs: median(wholes), longestStepMs: stepwise ? median(longest) : undefined };
}

/**
 * How late a bare Node timer loop starts `count` arrivals at `ratePerSec`, each timer armed for
 * its due time as run-group.ts arms them (whole milliseconds, re-armed until due), with nothing
 * else running: what the platform and the machine allow, below which schedule lag cannot go.
 */
async function measureTimerFloor(ratePerSec: number, count: number): Promise<number> {
  const nowUs = () => performance.now() * 1000;
  const startUs = nowUs() + 10_000;
  const lagsUs: number[] = [];
  for (let k = 0; k < count; k++) {
    const dueUs = startUs + (k * 1e6) / ratePerSec;
    for (let remainingUs = dueUs - nowUs(); remainingUs > 0; remainingUs = dueUs - nowUs()) {
      await sleep(Math.ceil(remainingUs / 1000));
    }
    lagsUs.push(nowUs() - dueUs);
  }
  lagsUs.sort((a, b) => a - b);
  return Math.round((lagsUs[Math.ceil(0.99 * lagsUs.length) - 1] ?? 0) / 100) / 10;
}

main().catch((error: unknown) => {
  process.stderr.write(`generator health failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
