import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FromAgent } from '../../src/engine/agents/protocol.ts';
import type { WorkerReport } from '../../src/engine/workers/protocol.ts';
import { provideRedis, type ProvidedRedis } from '../../src/lab/redis-provider.ts';
import { createLatencyHistogram, decodeHistogram, encodeHistogram } from '../../src/metrics/histogram.ts';
import type { MetricsSnapshot } from '../../src/metrics/snapshot.ts';
import { BIN, spawnCli } from './cli-helpers.ts';
import { ITERATIONS, VUS } from './fixtures/worker-chat.ts';

// Issue 15 §2: a coordinator and two agents, each a process of its own, through a throwaway
// redis-server: the run merges exactly what the agents sent, and an agent that disappears fails
// the run with a partial report.

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}.ts`, import.meta.url));
const tmp = () => mkdtempSync(join(tmpdir(), 'bazaar-agents-'));

interface Agent {
  name: string;
  child: ChildProcess;
  log: string;
}

let redis: ProvidedRedis;
let client: Redis;
const agents: Agent[] = [];

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function startAgent(name: string): Agent {
  // Its own process group: killing the group takes its worker processes too (afterAll).
  const child = spawn(process.execPath, [BIN, 'agent', '--coordinator', redis.url, '--name', name], {
    stdio: ['ignore', 'ignore', 'pipe'], detached: true,
  });
  const agent: Agent = { name, child, log: '' };
  child.stderr?.on('data', (chunk) => (agent.log += chunk));
  agents.push(agent);
  return agent;
}

/** Every message the agents XADD, seen by MONITOR: what they sent, whatever the coordinator makes of it. */
async function tapAgents(): Promise<{ sent: FromAgent[]; stop(): void }> {
  const sent: FromAgent[] = [];
  const monitor = await client.monitor();
  monitor.on('monitor', (_time: string, args: string[]) => {
    if (args[0]?.toLowerCase() === 'xadd' && /:run:\w+:from$/.test(args[1] ?? '')) sent.push(JSON.parse(args.at(-1) as string) as FromAgent);
  });
  return { sent, stop: () => monitor.disconnect() };
}

/** The last report of each (agent, worker) in what was sent. */
function lastReports(sent: FromAgent[]): WorkerReport[] {
  const latest = new Map<string, WorkerReport>();
  for (const m of sent) if (m.type === 'worker' && m.message.type === 'report') latest.set(`${m.agent}/${m.worker}`, m.message.report);
  // In the run's worker order (agent, then its worker), whoever reported first.
  return [...latest].sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true })).map(([, report]) => report);
}

/** One histogram holding every sample of every report, rebuilt bucket by bucket (not with add()). */
function allSamples(reports: WorkerReport[], key: string): { encoding: string; count: number } {
  const all = createLatencyHistogram();
  let count = 0;
  for (const report of reports) {
    const series = report.metrics.latencies.find((l) => l.key === key);
    if (!series) continue;
    const histogram = decodeHistogram(series.histogram) as unknown as { countsArrayLength: number; getCountAtIndex(i: number): number; valueFromIndex(i: number): number };
    for (let i = 0; i < histogram.countsArrayLength; i++) {
      const n = histogram.getCountAtIndex(i);
      if (n > 0) {
        all.recordValueWithCount(histogram.valueFromIndex(i), n);
        count += n;
      }
    }
  }
  return { encoding: encodeHistogram(all), count };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const counter = (metrics: MetricsSnapshot, key: string) => metrics.counters.find((c) => c.key === key)?.value;

beforeAll(async () => {
  // Never the shared 6379: a redis-server of our own on a free port.
  redis = await provideRedis({ env: { PATH: process.env.PATH ?? '' } });
  client = new Redis(redis.url);
  for (const name of ['a1', 'a2']) startAgent(name);
  await until(() => agents.every((a) => /waiting for work on/.test(a.log)), 20_000, 'both agents to wait for work');
}, 30_000);

afterAll(async () => {
  for (const agent of agents) {
    try {
      process.kill(-(agent.child.pid as number), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  client?.disconnect();
  await redis?.close();
});

describe('bazaar run --agents 2 --coordinator (two agent processes, a coordinator process, a throwaway redis-server)', () => {
  it('merges exactly what the agents sent: every histogram is the histogram of all their samples, and counts add up', async () => {
    const dir = tmp();
    const tap = await tapAgents();
    let run;
    try {
      run = await spawnCli(['run', fixture('worker-chat'), '--agents', '2', '--coordinator', redis.url, '--report', dir]).exited;
    } finally {
      tap.stop();
    }
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
    const reports = lastReports(tap.sent);
    expect(reports).toHaveLength(2);
    expect(reports.every((r) => r.final)).toBe(true);

    for (const key of ['ack{event:message:send}', 'delivery{event:message:new,room:2-10}', 'connect']) {
      const merged = result.metrics.latencies.find((l: { key: string }) => l.key === key);
      const all = allSamples(reports, key);
      expect(merged.histogram, key).toBe(all.encoding);
      expect(merged.summary.count, key).toBe(all.count);
    }
    // Each agent played its share, and the shares add up to the scenario's load.
    const iterations = reports.map((r) => counter(r.metrics, 'iterations{group:default}') ?? 0);
    expect(iterations).toEqual([(VUS / 2) * ITERATIONS, (VUS / 2) * ITERATIONS]);
    expect(counter(result.metrics, 'iterations{group:default}')).toBe(VUS * ITERATIONS);
    expect(result.metrics.latencies.find((l: { key: string }) => l.key === 'ack{event:message:send}').summary.count).toBe(VUS * ITERATIONS);

    // Who played, with their clocks against the coordinator's and the common start.
    expect(result.agents).toMatchObject({ count: 2, startLeadMs: 500 });
    expect(result.agents.agents.map((a: { name: string; workers: number[] }) => [a.name, a.workers])).toEqual([['a1', [1]], ['a2', [2]]]);
    for (const agent of result.agents.agents) {
      // One machine, one clock: the measured offset is within its own uncertainty (plus a little for a busy machine).
      expect(Math.abs(agent.clockOffsetMs)).toBeLessThanOrEqual(agent.clockUncertaintyMs + 5);
      expect(typeof agent.startedLateMs).toBe('number');
    }
    expect(result.workers.workers.map((w: { where: string }) => w.where)).toEqual([expect.stringMatching(/^agent 1 \(a1 on /), expect.stringMatching(/^agent 2 \(a2 on /)]);
    expect(run.stdout).toMatch(/agents:\s+2 on redis:\/\/127\.0\.0\.1:\d+\/?, clock vs coordinator a1 [+-][\d.]+ ms ±[\d.]+, a2 [+-][\d.]+ ms ±[\d.]+; common start 500 ms ahead/);

    // The run's keys are gone; the agents wait for work again.
    expect(await client.keys('bazaar:run:*')).toEqual([]);
    expect(await client.keys('bazaar:claim:*')).toEqual([]);
    await until(() => agents.every((a) => /waiting for work again/.test(a.log)), 10_000, 'both agents to wait again');
  }, 60_000);

  it('Ctrl-C on the coordinator stops the agents\' work: their workers report and exit, and the agents wait again', async () => {
    const dir = tmp();
    const waitedBefore = agents.map((a) => (a.log.match(/waiting for work again/g) ?? []).length);
    const tap = await tapAgents();
    const running = spawnCli(['run', fixture('worker-steady'), '--agents', '2', '--coordinator', redis.url, '--report', dir]);
    let run;
    try {
      await until(() => existsSync(join(dir, 'result.json')) && lastReports(tap.sent).length === 2, 30_000, 'both agents to report');
      running.child.kill('SIGINT');
      run = await running.exited;
    } finally {
      tap.stop();
    }
    expect(run.code, run.stderr).toBe(130);
    const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
    expect(result).toMatchObject({ status: 'interrupted', partial: true });
    // Both agents' workers ended their runs and sent their last reports: none was lost or killed.
    expect(result.workers.workers.map((w: { exit?: string }) => w.exit)).toEqual([undefined, undefined]);
    expect(lastReports(tap.sent).every((r) => r.final)).toBe(true);
    await until(() => agents.every((a, i) => (a.log.match(/waiting for work again/g) ?? []).length > (waitedBefore[i] ?? 0)), 10_000, 'both agents to wait again');
    for (const agent of agents) expect(agent.log).toMatch(/stopping worker 1: interrupted by the user/);
    await until(() => result.workers.workers.every((w: { pid: number }) => !alive(w.pid)), 5_000, 'the agents\' workers to exit');
    expect(await client.keys('bazaar:run:*')).toEqual([]);
  }, 60_000);

  it('an agent killed mid-run is reported, fails the run (exit 1), and the partial report keeps what both had sent', async () => {
    const dir = tmp();
    const tap = await tapAgents();
    const running = spawnCli(['run', fixture('worker-steady'), '--agents', '2', '--coordinator', redis.url, '--report', dir]);
    const a2 = agents[1] as Agent;
    let run;
    try {
      await until(() => existsSync(join(dir, 'result.json')) && lastReports(tap.sent).length === 2, 30_000, 'both agents to report');
      a2.child.kill('SIGKILL');
      run = await running.exited;
    } finally {
      tap.stop();
    }
    expect(run.code, run.stderr).toBe(1);
    const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
    expect(result).toMatchObject({ status: 'error', partial: true });
    expect(result.reason).toMatch(/^worker 2 \(agent 2 \(a2 on [^)]+\), its worker 1\) was lost with its agent \(no heartbeat for \d+\.\d s\) before its run ended/);
    expect(run.stderr).toMatch(/agent 2 \(a2 on .+\) is lost: no heartbeat for/);
    expect(result.agents.agents[1]).toMatchObject({ name: 'a2', lost: expect.stringMatching(/^no heartbeat for/) });
    expect(result.agents.agents[0].lost).toBeUndefined();
    const [first, second] = result.workers.workers;
    expect(first.exit).toBeUndefined();
    expect(second.exit).toMatch(/was lost with its agent/);
    // What agent 2 had sent before it died is kept: the merged count is both agents' last reports.
    const sent = lastReports(tap.sent);
    const iterations = sent.map((r) => counter(r.metrics, 'iterations{group:default}') ?? 0);
    expect(iterations.every((n) => n > 0)).toBe(true);
    expect(counter(result.metrics, 'iterations{group:default}')).toBe(iterations[0]! + iterations[1]!);
    expect(result.workers.workers.map((w: { iterations: number }) => w.iterations)).toEqual(iterations);
    // Agent 1 stopped its work and waits again; agent 2's orphaned worker exits on its own.
    await until(() => (agents[0]?.log.match(/waiting for work again/g) ?? []).length >= 2, 15_000, 'agent 1 to wait again');
    await until(() => !alive(second.pid), 6_000, `agent 2's orphaned worker (pid ${second.pid}) to exit`);
    expect(await client.keys('bazaar:run:*')).toEqual([]);
  }, 90_000);
});
