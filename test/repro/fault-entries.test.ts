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
