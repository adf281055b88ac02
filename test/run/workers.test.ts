import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startRun, type RunResult } from '../../src/engine/run.ts';
import { startCoordinatedRun } from '../../src/engine/workers/coordinator.ts';
import { forkWorker, type WorkerLink } from '../../src/engine/workers/worker-link.ts';
import { ITERATIONS, VUS } from './fixtures/worker-chat.ts';

// Issue 15 §1: a run spread over worker processes sums to the scenario's load, merges its figures
// exactly, still catches what checked load catches, and a worker that dies fails the run.

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}.ts`, import.meta.url));
const counter = (result: RunResult, key: string) => result.metrics.counters.find((c) => c.key === key)?.value;
const latencyCount = (result: RunResult, key: string) => result.metrics.latencies.find((l) => l.key === key)?.summary.count;

describe('bazaar run with 2 workers against the embedded server', () => {
  it('plays the whole schedule once, split over both, and sums their counts', async () => {
    const result = await startRun({ scenario: fixture('worker-chat'), workers: 2, reportDir: false });
    expect(result.status).toBe('passed');
    expect(counter(result, 'iterations{group:default}')).toBe(VUS * ITERATIONS);
    expect(latencyCount(result, 'ack{event:message:send}')).toBe(VUS * ITERATIONS);
    // Each send is delivered to the buyer and the seller of its booking: both live in one worker.
    expect(latencyCount(result, 'delivery{event:message:new,room:2-10}')).toBe(2 * VUS * ITERATIONS);
    expect(result.workers?.workers.map((w) => w.iterations)).toEqual([(VUS / 2) * ITERATIONS, (VUS / 2) * ITERATIONS]);
    expect(result.workers).toMatchObject({ count: 2, serverProcesses: 1 });
    if (process.platform === 'linux') expect(result.workers?.serverCpuPercent).toBeGreaterThanOrEqual(0);
    expect(result.violations).toMatchObject({ checked: true, total: 0 });
  }, 60_000);

  it('hands --client lean to every worker: the whole schedule, recorded as a lean run', async () => {
    const result = await startRun({ scenario: fixture('worker-chat'), workers: 2, client: 'lean', reportDir: false });
    expect(result.status).toBe('passed');
    expect(result.conditions?.client).toBe('lean');
    expect(latencyCount(result, 'ack{event:message:send}')).toBe(VUS * ITERATIONS);
    expect(result.violations).toMatchObject({ checked: true, total: 0 });
  }, 60_000);

  it.each([
    { defect: 'broadcast-excludes-sender', kind: 'loss' },
    { defect: 'async-persist-reorder', kind: 'order' },
  ])('still catches $kind ($defect) with every room inside one worker', async ({ defect, kind }) => {
    const result = await startRun({ scenario: fixture('checked-mix'), workers: 2, defect, reportDir: false });
    expect(Object.keys(result.violations.counts)).toEqual([kind]);
    expect(result.violations.counts[kind]).toBeGreaterThan(0);
    expect(result.violations.evidence[0]).toMatchObject({ kind, room: expect.stringMatching(/^booking:/) });
    expect(counter(result, `violations{kind:${kind}}`)).toBe(result.violations.counts[kind]);
    expect(result.status).toBe('thresholds_failed');
  }, 60_000);

  it('reports a worker that dies with its exit, fails the run, and keeps what both workers had sent', async () => {
    let pids: number[] = [];
    let killed = false;
    const result = await startRun({
      scenario: fixture('worker-steady'),
      workers: 2,
      reportDir: false,
      onWorkersStarted: (started) => (pids = started),
      onProgress(progress) {
        if (!killed && progress.elapsedMs > 2_500) {
          killed = true;
          process.kill(pids[1] as number, 'SIGKILL');
        }
      },
    });
    expect(killed).toBe(true);
    expect(result.status).toBe('error');
    expect(result.partial).toBe(true);
    expect(result.reason).toMatch(new RegExp(`^worker 2 \\(pid ${pids[1]}\\) was killed by SIGKILL before its run ended`));
    const [first, second] = result.workers?.workers ?? [];
    expect(second).toMatchObject({ worker: 2, exit: 'was killed by SIGKILL' });
    expect(first?.exit).toBeUndefined();
    // Both had reported iterations, and the merged figures hold both.
    expect(first?.iterations).toBeGreaterThan(0);
    expect(second?.iterations).toBeGreaterThan(0);
    expect(counter(result, 'iterations{group:default}')).toBe((first?.iterations ?? 0) + (second?.iterations ?? 0));
    // The run stopped early: far fewer than the 400 planned arrivals.
    expect(counter(result, 'iterations{group:default}')).toBeLessThan(300);
  }, 60_000);

  it('serves the merged figures live with --metrics-port', async () => {
    const stop = new AbortController();
    let url = '';
    let scraped = '';
    const running = startRun({
      scenario: fixture('worker-steady'), workers: 2, reportDir: false, metricsPort: 0, signal: stop.signal,
      onMetricsListening: (listening) => (url = listening),
      async onProgress() {
        if (!url || stop.signal.aborted) return;
        const text = await (await fetch(url)).text();
        // The workers' iterations, and their connected users, summed.
        if (/^bazaar_iterations_total\{group="default"\} [1-9]\d*$/m.test(text) && /^bazaar_connected_users [1-9]\d*$/m.test(text)) {
          scraped = text;
          stop.abort('scraped');
        }
      },
    });
    const result = await running;
    expect(scraped).toMatch(/^bazaar_ack_seconds_count\{event="message:send"\} \d+$/m);
    expect(result.status).toBe('interrupted');
    await expect(fetch(url)).rejects.toThrow();
  }, 60_000);

  it('fails with the exit of a worker that dies before it is ready, and leaves no worker behind', async () => {
    const links: WorkerLink[] = [];
    // The second worker is a real worker process, killed as soon as it is started.
    const startWorker = () => {
      const link = forkWorker();
      links.push(link);
      if (links.length === 2) link.kill();
      return link;
    };
    await expect(startCoordinatedRun({ scenario: fixture('worker-chat'), workers: 2, reportDir: false }, startWorker))
      .rejects.toThrow(/^worker 2 \(pid \d+\) was killed by SIGKILL before its run ended$/);
    await Promise.all(links.map((l) => l.gone));
  }, 60_000);

  it('refuses a scenario object: workers load the scenario themselves', async () => {
    const { default: scenario } = await import('./fixtures/worker-chat.ts');
    await expect(startRun({ scenario, workers: 2, reportDir: false })).rejects.toThrow(/scenario object cannot be sent/);
  });
});
