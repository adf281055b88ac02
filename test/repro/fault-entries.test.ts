import { describe, expect, it } from 'vitest';
import { runRepro } from '../../src/lab/repro/run-repro.ts';

// Issue 9, "bazaar repro": the entries that inject a fault while the load runs (docs/faults.md).
// Each run starts its own cluster (and its own redis-server when the fault breaks Redis), so
// nothing here touches a shared Redis. The bug variant shows the signature, the fix does not.

const env = { PATH: process.env.PATH };

describe('fault entries reproduce, and their fixes clear the signature', () => {
  it("loop-block: a blocked node's clients drop with 'ping timeout' when the heartbeat budget is shorter than the block, none when it is longer", async () => {
    const report = await runRepro('loop-block', { scale: 0.25, durationMs: 4_500, env });
    expect(report.verdict, JSON.stringify(report.bug?.match)).toBe('reproduced-fixed');
    expect(report.bug?.match.figures["disconnects 'ping timeout'"]).toBeGreaterThan(0);
    expect(report.bug?.match.figures['reconnects after it']).toBeGreaterThan(0);
    expect(report.fix?.match.figures["disconnects 'ping timeout'"]).toBe(0);
    // The nodes the run started are watched: their own disconnect counters are in the figures.
    expect(report.bug?.match.figures['server disconnects by reason']).toMatch(/×\d+/);
  }, 60_000);
});

describe('reconnect-storm', () => {
  it("a killed node's clients come back as a herd with the default backoff, spread over seconds with full jitter", async () => {
    const report = await runRepro('reconnect-storm', { scale: 0.15, durationMs: 8_000, env });
    expect(report.verdict, JSON.stringify(report.bug?.match)).toBe('reproduced-fixed');
    expect(report.bug?.match.figures.reconnects).toBeGreaterThanOrEqual(5);
    expect(report.bug?.match.figures['reconnect failures']).toBe(0);
    expect(report.fix?.match.figures.reconnects).toBeGreaterThanOrEqual(5);
    expect(report.fix?.match.summary).toMatch(/90 % of them within/);
  }, 60_000);
});

describe('redis-restart', () => {
  // Four cuts of every subscriber connection (CLIENT KILL TYPE pubsub), half a second apart,
  // then Redis down 3 s, on a steady chat: what the nodes publish while a subscriber is away is
  // gone with the classic adapter, at every cut; the streams adapter reads from its last id.
  it('the classic adapter loses cross-node deliveries at the subscriber cuts, the streams adapter none; no node stays cut off after the restart', async () => {
    const report = await runRepro('redis-restart', { scale: 0.5, durationMs: 13_000, env });
    const bug = report.bug?.match.figures;
    const fix = report.fix?.match.figures;
    expect(report.verdict, JSON.stringify(report.bug?.match)).toBe('reproduced-fixed');
    expect(bug?.faults).toBe('kill-redis-subscribers ×4 every 500ms from 1300ms, then restart-redis at 3800ms for 3s');
    // 3 nodes, one subscriber each, cut 4 times.
    expect(bug?.['subscriber connections cut']).toBe(12);
    expect(bug?.['lost to the subscriber cuts']).toBeGreaterThan(0);
    // The marketplace lives in the same Redis: while it is down, sends are refused, not lost.
    expect(bug?.['send errors in the run']).toBeGreaterThan(0);
    expect(bug?.['send errors by code']).toMatch(/^internal ×\d+$/);
    // ioredis resubscribes: every delivery owed after Redis was back (and settled) was made.
    expect(bug?.['lost from 1 s after Redis was back']).toBe(0);
    expect(bug?.['delivered from 1 s after Redis was back']).toBeGreaterThan(0);
    expect(report.fix?.match.present, JSON.stringify(report.fix?.match)).toBe(false);
    expect(fix?.['lost to the subscriber cuts']).toBe(0);
    expect(fix?.['lost around the restart']).toBe(0);
    expect(fix?.['delivered from 1 s after Redis was back']).toBeGreaterThan(0);
  }, 90_000);

  it('refuses a load too short to judge whether every node receives again, saying how long it must be', async () => {
    await expect(runRepro('redis-restart', { scale: 0.5, durationMs: 6_000, env })).rejects.toThrow(/redis-restart needs a load of at least 12.5 s, got 6 s/);
  });
});
