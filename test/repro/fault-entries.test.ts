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
  }, 60_000);
});

describe('entries that do not reproduce in the lab say so', () => {
  // The lab's nodes use ioredis, which resubscribes after a reconnect, and keep the marketplace
  // in the same Redis: during the outage sends are refused instead of stored and lost
  // (docs/repro/redis-restart.md). The verdict says "not reproduced", with the figures.
  it('redis-restart: with ioredis nodes and the store on the same Redis, nothing owed is lost and the verdict says not reproduced', async () => {
    const report = await runRepro('redis-restart', { scale: 0.25, durationMs: 6_000, env });
    expect(report.verdict).toBe('not-reproduced');
    expect(report.bug?.match.present).toBe(false);
    expect(report.bug?.match.figures['loss violations in the window']).toBe(0);
    expect(report.bug?.match.figures['delivery timeouts in the window']).toBe(0);
    expect(report.bug?.match.figures.fault).toMatch(/^restart-redis at 2s for \d+ms$/);
    expect(report.fix).toBeUndefined();
  }, 60_000);
});
