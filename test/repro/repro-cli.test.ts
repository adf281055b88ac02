import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { REPRO_EXIT_CODES } from '../../src/cli/commands/repro.ts';
import { provideRedis, type ProvidedRedis } from '../../src/lab/redis-provider.ts';
import { listRepros } from '../../src/lab/repro/run-repro.ts';
import { memoryIo } from '../helpers/cli-io.ts';
import { isAlive } from '../helpers/process.ts';
import { spawnCli } from '../run/cli-helpers.ts';

let redis: ProvidedRedis;
beforeAll(async () => {
  redis = await provideRedis({ env: { PATH: process.env.PATH } });
});
afterAll(async () => {
  await redis?.close();
});

describe('bazaar repro (in-process)', () => {
  it('lists the catalog: name, needs and one line each', async () => {
    const io = memoryIo();
    expect(await runCli(['repro'], io)).toBe(0);
    const out = io.stdout.join('\n');
    expect(out).toMatch(/NAME\s+NEEDS\s+FAULT\s+WHAT/);
    expect(out).toMatch(/sticky-missing\s+redis\s+-\s+polling behind a round-robin entry/);
    expect(out).toMatch(/cross-node-reorder\s+redis\s+-\s+/);
    expect(out).toMatch(/proxy-timeout\s+haproxy\s+-\s+/);
    expect(out).toMatch(/reconnect-storm\s+redis\s+kill-node 1\s+/);
    expect(out).toMatch(/loop-block\s+redis\s+block-loop 0\s+/);
    expect(out).toMatch(/npx bazaar repro NAME/);
  });

  it('lists as JSON with --json', async () => {
    const io = memoryIo();
    expect(await runCli(['repro', '--json'], io)).toBe(0);
    const list = JSON.parse(io.stdout.join('\n')) as { name: string; needs: string[]; fault: string | null }[];
    expect(list.find((e) => e.name === 'proxy-timeout')).toMatchObject({ needs: ['haproxy'], fault: null });
    expect(list.find((e) => e.name === 'redis-restart')).toMatchObject({ fault: 'kill-redis-subscribers ×10, restart-redis' });
  });

  it('an unknown name is a usage error (exit 2) that names the catalog', async () => {
    const io = memoryIo();
    expect(await runCli(['repro', 'reorder'], io)).toBe(2);
    const err = io.stderr.join('\n');
    expect(err).toMatch(/no repro "reorder"/);
    expect(err).toContain(`choose one of: ${listRepros().map((e) => e.name).join(', ')}`);
  });

  it('a missing need skips with exit 6 and says what to install', async () => {
    const io = memoryIo({ PATH: '/nonexistent' });
    expect(await runCli(['repro', 'proxy-timeout'], io)).toBe(REPRO_EXIT_CODES.skipped);
    expect(REPRO_EXIT_CODES.skipped).toBe(6);
    expect(io.stdout.join('\n')).toMatch(/proxy-timeout: SKIPPED\n.*apt-get install haproxy/);
  });

  it('bad --scale and --duration are usage errors', async () => {
    expect(await runCli(['repro', 'sticky-missing', '--scale', '0'], memoryIo())).toBe(2);
    expect(await runCli(['repro', 'sticky-missing', '--duration', 'soon'], memoryIo())).toBe(2);
  });
});

describe('bazaar repro NAME (a real process)', () => {
  it('reproduces sticky-missing, shows the fix clearing it, exits 0 on its own', async () => {
    const { exited } = spawnCli(['repro', 'sticky-missing', '--scale', '0.25', '--duration', '2s', '--redis', redis.url], 60_000);
    const { code, stdout, stderr } = await exited;
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^sticky-missing: REPRODUCED, and the documented fix clears it/m);
    expect(stdout).toMatch(/bug: round-robin entry, no stickiness\n\s+signature PRESENT: \d+ requests refused with 'Session ID unknown'/);
    expect(stdout).toMatch(/fix: sticky entry.*\n\s+signature absent: no 'Session ID unknown'/);
    expect(stdout).toMatch(/more: docs\/repro\/sticky-missing\.md/);
    expect(stderr).toMatch(/bug: starting 3 nodes, redis adapter, round-robin entry/);
  }, 60_000);
});

describe('bazaar repro NAME interrupted', () => {
  it('Ctrl-C during the load stops the variant, exits 130, and leaves no node running', async () => {
    const { child, exited } = spawnCli(['repro', 'sticky-missing', '--duration', '30s', '--redis', redis.url], 60_000);
    let stderr = '';
    const pids = await new Promise<number[]>((resolve) => {
      child.stderr?.on('data', (chunk) => {
        stderr += chunk;
        const match = /bug: playing the load on \S+ \(node pids ([\d ]+)\)/.exec(stderr);
        if (match) resolve(match[1]!.split(' ').map(Number));
      });
    });
    expect(pids).toHaveLength(3);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    child.kill('SIGINT');
    const { code, stdout } = await exited;
    expect(code).toBe(130);
    expect(stdout).toMatch(/^sticky-missing: INTERRUPTED before a verdict/m);
    const deadline = Date.now() + 10_000;
    while (pids.some(isAlive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(pids.filter(isAlive)).toEqual([]);
  }, 60_000);
});
