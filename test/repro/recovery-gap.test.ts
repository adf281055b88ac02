import { expect, it } from 'vitest';
import { runRepro } from '../../src/lab/repro/run-repro.ts';

// A hypothesis confirmed by reproducing it (docs/repro/recovery-gap.md): a node of the streams
// adapter frozen for longer than the stream's MAXLEN covers resumes past a gap, and its clients
// never get what was trimmed; with a roomy MAXLEN every delivery is made, late but whole.

it('recovery-gap: a frozen node skips what the stream trimmed (loss), and loses nothing with a roomy maxLen', async () => {
  const report = await runRepro('recovery-gap', { scale: 1, durationMs: 9_000, env: { PATH: process.env.PATH } });
  expect(report.verdict, JSON.stringify(report.bug?.match)).toBe('reproduced-fixed');
  expect(report.bug?.match.figures['lost deliveries in the window']).toBeGreaterThan(0);
  expect(report.bug?.match.figures['first evidence']).toMatch(/not received within/);
  expect(report.fix?.match.figures['lost deliveries in the window']).toBe(0);
}, 60_000);
