import { expect, it } from 'vitest';
import { runRepro } from '../../src/lab/repro/run-repro.ts';

// docs/repro/frozen-node.md: with the default heartbeat a frozen node's clients wait it out
// without noticing; with a budget shorter than the freeze they leave it and reconnect.

it("frozen-node: clients stay stuck on a frozen node with the default heartbeat, and leave it with a short one", async () => {
  const report = await runRepro('frozen-node', { scale: 0.5, durationMs: 12_000, env: { PATH: process.env.PATH } });
  expect(report.verdict, JSON.stringify([report.bug?.match, report.fix?.match])).toBe('reproduced-fixed');
  expect(report.bug?.match.figures['clients that left the frozen node']).toBe(0);
  expect(report.fix?.match.figures['clients that left the frozen node']).toBeGreaterThan(0);
  expect(report.fix?.match.figures['reconnects in the window']).toBeGreaterThan(0);
}, 60_000);
