import { describe, expect, it } from 'vitest';
import { runChecks } from '../../src/checks/run-checks.ts';

const ONLY = 'authz.stranger-join,authz.claimed-sender';

// The dialect-neutral authz checks on the contract's own dialect (their other dialect: test/target/chat-dialect.test.ts).
describe('authz.stranger-join and authz.claimed-sender on the reference server', () => {
  it('pass on the clean server', async () => {
    const report = await runChecks({ only: ONLY });
    expect(report.checks.map((c) => [c.id, c.status, c.evidence])).toEqual([
      ['authz.stranger-join', 'passed', []],
      ['authz.claimed-sender', 'passed', []],
    ]);
  });

  it('authz.stranger-join fails with evidence when any user may join any booking (defect booking-join-no-party-check)', async () => {
    const report = await runChecks({ only: ONLY, defect: 'booking-join-no-party-check' });
    const check = report.checks.find((c) => c.id === 'authz.stranger-join')!;
    expect(check.status).toBe('failed');
    expect(check.evidence.join('\n')).toMatch(/stranger\d+@c\d+ \(not a party\) joined booking b_[\w-]+ .*answered \{"ok":true\}/);
    expect(check.evidence.join('\n')).toMatch(/\(not a party\) received message:new .* of booking b_/);
  });
});
