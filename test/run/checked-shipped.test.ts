import { describe, expect, it } from 'vitest';
import { startRun } from '../../src/engine/run.ts';

// Issue 14: the shipped presence, typing and read-receipt scenarios exercise what the online
// checks judge: compressed to a few seconds at a tenth of their load, each finds its defect's
// violation kind (and no other), and the correct server none.

const run = (scenario: string, defect?: string) =>
  startRun({ scenario, durationMs: 4_000, scale: 0.1, reportDir: false, ...(defect ? { defect } : {}) });

describe('shipped scenarios, checked', () => {
  it.each([
    { scenario: 'presence-churn', defect: 'presence-delete-on-disconnect', kind: 'presence' },
    { scenario: 'typing-storm', defect: 'no-typing-limit', kind: 'typing' },
    { scenario: 'read-receipts', defect: 'read-receipt-to-room', kind: 'reads' },
  ])('$scenario: none on the correct server; $kind only with $defect', async ({ scenario, defect, kind }) => {
    const clean = await run(scenario);
    expect(clean.violations).toMatchObject({ checked: true, total: 0 });
    const broken = await run(scenario, defect);
    expect(Object.keys(broken.violations.counts)).toEqual([kind]);
    expect(broken.violations.evidence[0]).toMatchObject({ kind, user: expect.stringMatching(/\S/), expected: expect.stringMatching(/\S/) });
  }, 90_000);
});
