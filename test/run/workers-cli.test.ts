import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { resolveWorkers, workersArg } from '../../src/cli/commands/run.ts';
import { BIN, spawnCli } from './cli-helpers.ts';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}.ts`, import.meta.url));
const tmp = () => mkdtempSync(join(tmpdir(), 'bazaar-workers-'));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('bazaar run --workers', () => {
  it('parses a count or auto, and auto leaves the server its cores', () => {
    expect(workersArg('3')).toBe(3);
    expect(workersArg('auto')).toBe('auto');
    expect(() => workersArg('0')).toThrow(/auto or an integer from 1 to 256/);
    expect(() => workersArg('two')).toThrow(/auto or an integer/);
    // 8 cores: the embedded server takes 1, a 4-node cluster 4, an external target none.
    expect(resolveWorkers('auto', {}, 8)).toBe(7);
    expect(resolveWorkers('auto', { nodes: 4 }, 8)).toBe(4);
    expect(resolveWorkers('auto', { target: 'http://10.0.0.5:3000' }, 8)).toBe(8);
    expect(resolveWorkers('auto', {}, 2)).toBe(1);
    expect(resolveWorkers('auto', { nodes: 4 }, 2)).toBe(1);
    expect(resolveWorkers(2, {}, 1)).toBe(2);
  });

  it('Ctrl-C: the coordinator stops its workers, writes the partial report, exits 130, and leaves no worker behind', async () => {
    const dir = tmp();
    // Its own process group, so that SIGINT goes to the coordinator and its workers together, as a terminal's Ctrl-C does.
    const child = spawn(process.execPath, [BIN, 'run', fixture('worker-steady'), '--workers', '2', '--report', dir], {
      stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, JWT_SECRET: '' },
    });
    let stderr = '';
    child.stderr?.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await until(() => /workers: 2 processes \(pids \d+, \d+\)/.test(stderr), 30_000, 'the workers to start');
      const pids = (/pids (\d+), (\d+)/.exec(stderr) ?? []).slice(1).map(Number);
      await until(() => existsSync(join(dir, 'result.json')), 20_000, 'the first partial report');
      process.kill(-(child.pid as number), 'SIGINT');
      expect(await exited).toBe(130);
      expect(stderr).toMatch(/SIGINT: stopping; writing the partial report/);
      const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
      expect(result).toMatchObject({ partial: true, status: 'interrupted', workers: { count: 2 } });
      // Both workers ended their runs and reported: none was killed, none is left.
      expect(result.workers.workers.map((w: { exit?: string }) => w.exit)).toEqual([undefined, undefined]);
      expect(result.workers.workers.every((w: { iterations: number }) => w.iterations > 0)).toBe(true);
      expect(pids.filter(alive)).toEqual([]);
    } finally {
      if (child.exitCode === null) process.kill(-(child.pid as number), 'SIGKILL');
    }
  }, 60_000);

  it('a coordinator killed outright (SIGKILL) leaves no worker behind', async () => {
    const child = spawn(process.execPath, [BIN, 'run', fixture('worker-steady'), '--workers', '2', '--report', tmp()], {
      stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, JWT_SECRET: '' },
    });
    let stderr = '';
    child.stderr?.on('data', (chunk) => (stderr += chunk));
    try {
      await until(() => /workers: 2 processes \(pids \d+, \d+\)/.test(stderr), 30_000, 'the workers to start');
      const pids = (/pids (\d+), (\d+)/.exec(stderr) ?? []).slice(1).map(Number);
      expect(pids.filter(alive)).toHaveLength(2);
      process.kill(child.pid as number, 'SIGKILL');
      // Their IPC channel closes: each stops its run and exits within a few seconds.
      await until(() => pids.filter(alive).length === 0, 10_000, `workers ${pids.join(', ')} to exit`);
    } finally {
      // The embedded server is the coordinator's child, not the workers': the group takes it.
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }, 60_000);

  it('abortOnFail judges the merged figures and stops every worker', async () => {
    const dir = tmp();
    const { code, stdout } = await spawnCli(['run', fixture('worker-abort'), '--workers', '2', '--report', dir]).exited;
    expect(code).toBe(99);
    expect(stdout).toMatch(/workers:\s+2 processes, CPU [\d.]+% \+ [\d.]+% of a core, peak RSS \d+ MB \+ \d+ MB/);
    expect(stdout).toMatch(/server:\s+1 process started for the run, CPU [\d.]+% of a core/);
    const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
    expect(result).toMatchObject({ status: 'aborted', reason: 'threshold iterations count<30 failed (abortOnFail)' });
    const total = result.metrics.counters.find((c: { key: string }) => c.key === 'iterations{group:default}').value;
    // Stopped soon after the workers together passed 30, far from the 400 planned.
    expect(total).toBeGreaterThanOrEqual(30);
    expect(total).toBeLessThan(200);
    expect(result.workers.workers.map((w: { exit?: string }) => w.exit)).toEqual([undefined, undefined]);
  }, 60_000);
});
