import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findHaproxy } from '../../src/lab/haproxy.ts';
import { provideRedis, type ProvidedRedis } from '../../src/lab/redis-provider.ts';
import { findRepro, listRepros, runRepro } from '../../src/lab/repro/run-repro.ts';
import type { ReproReport } from '../../src/lab/repro/types.ts';
import { isAlive } from '../helpers/process.ts';

// Issue 9, "bazaar repro": each entry reproduces at a size CI affords, and its documented fix
// does not show the signature. The bug variant is the "defective server", the fix the correct
// one: each signature is seen failing and passing on real deployments.

const haproxy = await findHaproxy();
let redis: ProvidedRedis;
beforeAll(async () => {
  // Never the shared 6379: a throwaway redis-server for this file.
  redis = await provideRedis({ env: { PATH: process.env.PATH } });
});
afterAll(async () => {
  await redis?.close();
});

const env = { PATH: process.env.PATH };

/** Every node the repro started is gone (a node orphaned by its primary's SIGKILL exits on its own within seconds). */
async function expectEverythingStopped(report: ReproReport): Promise<void> {
  const pids = [report.bug, report.fix].flatMap((o) => o?.nodes ?? []).map((n) => n.pid).filter((pid) => pid > 0);
  expect(pids.length).toBeGreaterThan(0);
  const deadline = Date.now() + 10_000;
  while (pids.some(isAlive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  expect(pids.filter(isAlive), 'node pids still running').toEqual([]);
}

describe('the catalog', () => {
  it('lists every entry once, each with a one-line summary, its needs and a bug and a fix variant', () => {
    const names = listRepros().map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(['sticky-missing', 'cross-node-reorder', 'proxy-timeout']));
    for (const entry of listRepros()) {
      expect(entry.summary).not.toContain('\n');
      expect(entry.links.length).toBeGreaterThan(0);
      expect(entry.bug.label).not.toBe(entry.fix.label);
    }
  });

  it('names the catalog (and the likely entry) for an unknown name', () => {
    expect(() => findRepro('sticky-mising')).toThrow(/no repro "sticky-mising" \(did you mean "sticky-missing"\?\)/);
    try {
      findRepro('nope');
    } catch (error) {
      expect((error as { hint: string }).hint).toContain(listRepros().map((e) => e.name).join(', '));
    }
  });

  it('skips an entry whose need is missing here, saying what to install', async () => {
    const report = await runRepro('proxy-timeout', { env: { PATH: '/nonexistent' } });
    expect(report.verdict).toBe('skipped');
    expect(report.skipped).toMatch(/haproxy.*not on PATH.*apt-get install haproxy/);
    expect(report.bug).toBeUndefined();
  });
});

describe('entries reproduce, and their fixes clear the signature', () => {
  it("sticky-missing: 'Session ID unknown' through the round-robin entry, none through the sticky one", async () => {
    const report = await runRepro('sticky-missing', { scale: 0.25, durationMs: 2_000, redisUrl: redis.url, env });
    expect(report.verdict).toBe('reproduced-fixed');
    expect(report.bug?.match.present).toBe(true);
    expect(report.bug?.match.figures["server refusals 'Session ID unknown' (code 1)"]).toBeGreaterThan(0);
    expect(report.bug?.match.figures['handshakes failed']).toBeGreaterThan(0);
    expect(report.fix?.match.present).toBe(false);
    expect(report.fix?.match.figures["server refusals 'Session ID unknown' (code 1)"]).toBe(0);
    expect(report.fix?.match.figures['handshakes failed']).toBe(0);
    await expectEverythingStopped(report);
  }, 60_000);

  it('cross-node-reorder: order violations with the stock fan-out, none with the ordered one', async () => {
    const report = await runRepro('cross-node-reorder', { scale: 0.3, durationMs: 4_000, redisUrl: redis.url, env });
    expect(report.verdict).toBe('reproduced-fixed');
    expect(report.bug?.match.figures['order violations']).toBeGreaterThan(0);
    expect(report.bug?.match.figures['first evidence']).toMatch(/booking:/);
    expect(report.fix?.match.figures['order violations']).toBe(0);
    await expectEverythingStopped(report);
  }, 60_000);

  it.skipIf(!haproxy)("proxy-timeout: idle WebSockets cut ('transport close') without timeout tunnel, kept with it", async () => {
    const report = await runRepro('proxy-timeout', { scale: 0.2, durationMs: 3_000, env });
    expect(report.verdict).toBe('reproduced-fixed');
    expect(report.bug?.match.figures["client disconnects 'transport close'"]).toBeGreaterThan(0);
    expect(report.bug?.match.figures["server disconnects 'transport close'"]).toBeGreaterThan(0);
    expect(report.fix?.match.figures["client disconnects 'transport close'"]).toBe(0);
  }, 60_000);
});
