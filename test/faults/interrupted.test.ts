import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { isAlive } from '../helpers/process.ts';
import { spawnCli } from '../run/cli-helpers.ts';

// Issue 9: nothing is left running after a run that injected faults, also when it is
// interrupted in the middle of them: here Ctrl-C (SIGINT) while a node and the lab's Redis are
// frozen (SIGSTOP) and the nodes' Redis link goes through the fault proxy.

const FIXTURE = new URL('./fixtures/fault-chat.ts', import.meta.url).pathname;

/** Every process under `pid`, children first found first. */
function descendants(pid: number): number[] {
  let children: number[] = [];
  try {
    children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)]).toString().trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // no children: ps exits 1
  }
  return children.flatMap((child) => [child, ...descendants(child)]);
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

async function until(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('a run interrupted mid-fault', () => {
  it('Ctrl-C while a node and Redis are frozen: the partial report is written, and no process or port is left', async () => {
    const reportDir = mkdtempSync(join(tmpdir(), 'bazaar-interrupted-'));
    const run = spawnCli([
      'run', FIXTURE, '--nodes', '2', '--no-progress', '--report', reportDir,
      '--fault', 'freeze-node 0 at 1s for 60s',
      '--fault', 'freeze-redis at 1500ms for 60s',
      '--fault', 'latency redis 20ms at 500ms for 60s',
    ], 90_000);
    let stderr = '';
    run.child.stderr?.on('data', (chunk) => (stderr += chunk));
    await until('both freezes', () => /freeze-redis at 1500ms for 1m: redis-server pid \d+ SIGSTOP/.test(stderr), 60_000);
    const children = descendants(run.child.pid as number);
    const frozenNode = Number(/freeze-node 0 at 1s for 1m: node 0 pid (\d+) SIGSTOP/.exec(stderr)?.[1]);
    const frozenRedis = Number(/redis-server pid (\d+) SIGSTOP/.exec(stderr)?.[1]);
    const entryPort = Number(/seeding the world on http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr)?.[1]);
    // The primary, two nodes, and redis-server at least.
    expect(children).toEqual(expect.arrayContaining([frozenNode, frozenRedis]));
    expect(children.length).toBeGreaterThanOrEqual(4);

    run.child.kill('SIGINT');
    const { code, stdout } = await run.exited;
    expect(code).toBe(130);
    expect(stdout).toMatch(/Faults/);
    expect(stdout).toMatch(/freeze-node 0 at 1s for 1m/);
    for (const pid of children) expect(isAlive(pid), `pid ${pid} outlived the run`).toBe(false);
    expect(await refused(entryPort)).toBe(true);
    // The partial result.json records the faults, lifted when the run stopped.
    const result = JSON.parse(readFileSync(join(reportDir, 'result.json'), 'utf8'));
    expect(result).toMatchObject({ status: 'interrupted', partial: true });
    expect(result.faults.map((f: { kind: string }) => f.kind)).toEqual(['latency', 'freeze-node', 'freeze-redis']);
    for (const fault of result.faults) expect(fault.endMs).toBeLessThan(fault.atMs + 60_000);
    rmSync(reportDir, { recursive: true, force: true });
  }, 120_000);

  it('Ctrl-C while the cluster and the lab are still starting: it stops at once, and no process is left', async () => {
    const reportDir = mkdtempSync(join(tmpdir(), 'bazaar-interrupted-'));
    const run = spawnCli(['run', FIXTURE, '--nodes', '2', '--no-progress', '--report', reportDir, '--fault', 'freeze-redis at 1s for 60s'], 90_000);
    // Every process the run starts, as they come (an orphan would no longer show under the run).
    const seen = new Set<number>();
    const watch = setInterval(() => {
      for (const pid of descendants(run.child.pid as number)) seen.add(pid);
    }, 100);
    try {
      // The lab's redis-server comes up before the cluster: interrupt then.
      await until('the lab to start something', () => seen.size > 0, 30_000);
      run.child.kill('SIGINT');
      const { code } = await run.exited;
      expect(code).toBe(130);
    } finally {
      clearInterval(watch);
    }
    for (const pid of seen) expect(isAlive(pid), `pid ${pid} outlived the run`).toBe(false);
    // The 7 s schedule was not played out after the servers came up.
    const result = JSON.parse(readFileSync(join(reportDir, 'result.json'), 'utf8'));
    expect(result.status).toBe('interrupted');
    expect(result.durationMs).toBeLessThan(7_000);
    rmSync(reportDir, { recursive: true, force: true });
  }, 120_000);
});
