import { describe, expect, it } from 'vitest';
import { checksPassed, type CheckReport } from '../checks/run-checks.ts';
import type { CheckResult, CheckStatus } from '../checks/types.ts';
import { renderCheckJunit, renderCheckReport } from './checks.ts';

const result = (id: string, status: CheckStatus, reason?: string): CheckResult => ({
  id,
  title: `title of ${id}`,
  guarantee: 'contract §6.4',
  status,
  durationMs: 1_200,
  evidence: reason ? [reason] : status === 'failed' ? ['u1@c1 saw nothing'] : [],
  ...(reason ? { reason } : {}),
});

const report = (checks: CheckResult[], extra: Partial<CheckReport> = {}): CheckReport => ({
  target: 'http://127.0.0.1:3000',
  embedded: false,
  startedAt: '2025-01-01T00:00:00.000Z',
  durationMs: 9_000,
  presence: { ttlMs: 95_000, heartbeatMs: 500, sweepMs: 200 },
  nodes: 1,
  checks,
  passed: checksPassed(checks, extra.failOnSkip === true),
  partial: false,
  failOnSkip: false,
  ...extra,
});

const SKIP = "the target's presence TTL is 95000 ms (sweep 200 ms): pass --max-wait 125s (or more) to run it";

describe('checksPassed', () => {
  it.each([
    { statuses: ['passed', 'skipped'], failOnSkip: false, passed: true },
    { statuses: ['passed', 'skipped'], failOnSkip: true, passed: false },
    { statuses: ['passed', 'failed'], failOnSkip: false, passed: false },
    { statuses: ['passed', 'error'], failOnSkip: false, passed: false },
    { statuses: ['passed', 'interrupted'], failOnSkip: false, passed: false },
    { statuses: ['passed'], failOnSkip: true, passed: true },
  ] as const)('$statuses with failOnSkip $failOnSkip → passed $passed', ({ statuses, failOnSkip, passed }) => {
    expect(checksPassed(statuses.map((s, i) => result(`g.c${i}`, s)), failOnSkip)).toBe(passed);
  });
});

describe('renderCheckReport', () => {
  it('marks skipped checks as skipped, lists each with its reason and counts them in the summary line', () => {
    const text = renderCheckReport(report([result('race.single-winner', 'passed'), result('presence.no-ghost', 'skipped', SKIP)]));
    expect(text).toMatch(/presence\.no-ghost .*- SKIPPED/);
    expect(text).toContain(`- presence.no-ghost skipped: ${SKIP}`);
    expect(text).toMatch(/^PASSED: 1 passed, 0 failed, 1 skipped in /m);
  });

  it('says a skip failed the run under --fail-on-skip', () => {
    const text = renderCheckReport(report([result('presence.no-ghost', 'skipped', SKIP)], { failOnSkip: true }));
    expect(text).toMatch(/^FAILED: 0 passed, 0 failed, 1 skipped in /m);
    expect(text).toContain('(--fail-on-skip: a skipped check fails the run)');
  });

  it('says an interrupted run is partial and names the checks that gave no verdict', () => {
    const checks = [
      result('race.single-winner', 'passed'),
      result('presence.no-flicker-on-reconnect', 'interrupted', 'interrupted by SIGINT 588 ms into the check: no verdict'),
      result('presence.no-ghost', 'interrupted', 'not started: interrupted by SIGINT'),
    ];
    const text = renderCheckReport(report(checks, { partial: true, interrupted: 'interrupted by SIGINT' }));
    expect(text).toMatch(/presence\.no-ghost .*- INTERRUPTED/);
    expect(text).toContain('- presence.no-ghost interrupted: not started: interrupted by SIGINT');
    expect(text).toMatch(/^INTERRUPTED: 1 passed, 0 failed, 0 skipped, 2 interrupted in /m);
    expect(text).toContain('(interrupted by SIGINT: the report is partial)');
  });
});

describe('renderCheckJunit', () => {
  it('puts a failed check\'s severity and fix hint in its failure detail', () => {
    const xml = renderCheckJunit(report([{ ...result('security.cswsh.foreign-origin', 'failed'), severity: 'high', fixHint: 'check Origin' }]));
    expect(xml).toMatch(/guarantee: contract §6.4\nseverity: high\nfix: check Origin\nu1@c1 saw nothing/);
  });

  it('writes skipped and interrupted checks as <skipped message> with their reason, and counts both as skipped', () => {
    const xml = renderCheckJunit(
      report([
        result('race.single-winner', 'passed'),
        result('presence.no-ghost', 'skipped', SKIP),
        result('presence.no-flicker-on-reconnect', 'interrupted', 'interrupted by SIGINT 588 ms into the check: no verdict'),
        result('order.concurrent-senders', 'failed'),
      ]),
    );
    expect(xml).toContain('<testsuites name="bazaar check" tests="4" failures="1" errors="0" skipped="2"');
    expect(xml).toContain(`<skipped message="the target's presence TTL is 95000 ms (sweep 200 ms): pass --max-wait 125s (or more) to run it"/>`);
    expect(xml).toContain('<skipped message="interrupted: interrupted by SIGINT 588 ms into the check: no verdict"/>');
    expect(xml.match(/<testcase /g)).toHaveLength(4);
    expect(xml.match(/<\/testcase>/g)).toHaveLength(3);
  });
});
