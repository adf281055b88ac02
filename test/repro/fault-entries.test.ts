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

describe('redis-restart: intermittent at CI size', () => {
  // At full size the classic adapter lost 16 deliveries around a 3 s restart, the streams
  // adapter none (docs/repro/redis-restart.md); at CI sizes the loss window is often empty, so
  // this holds what always holds: the restart is injected under load, sends are refused while
  // Redis is down (the marketplace lives in the same Redis), and when the classic adapter does
  // lose deliveries, the streams adapter does not.
  it('restarts Redis under load, sends are refused meanwhile, and a loss, when seen, is cleared by the streams adapter', async () => {
    const report = await runRepro('redis-restart', { scale: 0.5, durationMs: 6_000, env });
    expect(report.bug?.match.figures.fault).toBe('restart-redis at 2s for 3s');
    expect(report.bug?.match.figures['send errors in the run']).toBeGreaterThan(0);
    expect(['reproduced-fixed', 'not-reproduced']).toContain(report.verdict);
  }, 60_000);
});
