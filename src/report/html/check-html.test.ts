import { describe, expect, it } from 'vitest';
import { checksPassed, type CheckReport } from '../../checks/run-checks.ts';
import type { CheckResult, CheckStatus } from '../../checks/types.ts';
import { renderCheckHtml } from './check-html.ts';

/** Evidence from a security check is what a hostile server chose to answer. */
const HOSTILE = '<img src=x onerror="alert(1)"></script><!--&';

const check = (id: string, status: CheckStatus, evidence: string[] = [], reason?: string): CheckResult => ({
  id,
  title: `title of ${id}`,
  guarantee: 'contract §6.4',
  status,
  durationMs: 1_200,
  evidence,
  ...(reason ? { reason } : {}),
});

const report = (checks: CheckResult[], extra: Partial<CheckReport> = {}): CheckReport => ({
  target: 'http://127.0.0.1:3000',
  embedded: true,
  defect: 'join-first-element',
  startedAt: '2025-01-01T00:00:00.000Z',
  durationMs: 9_000,
  presence: { ttlMs: 2_000, heartbeatMs: 500, sweepMs: 200 },
  nodes: 1,
  checks,
  passed: checksPassed(checks, extra.failOnSkip === true),
  partial: false,
  failOnSkip: false,
  ...extra,
});

const SAMPLE = report([
  check('order.per-booking', 'passed'),
  check('authz.join-array', 'failed', [`u1@c1 joined booking:b9 it is no party to; the server answered ${HOSTILE}`, 'second line']),
  check('presence.ttl', 'skipped', ['ttl too long'], 'pass --max-wait 125s to run it'),
  check('robustness.huge-payload', 'error', [HOSTILE]),
]);

describe('renderCheckHtml', () => {
  it('escapes the evidence: no element, attribute or comment of the target reaches the page', () => {
    const html = renderCheckHtml(SAMPLE);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('onerror="');
    expect(html).not.toContain('<!--');
    expect(html).not.toMatch(/<\/script>/);
    expect(html).toContain('the server answered &lt;img src=x onerror=&quot;alert(1)&quot;&gt;&lt;/script&gt;&lt;!--&amp;');
  });

  it('opens with the verdict and the count, then has one table row per check with its status', () => {
    const html = renderCheckHtml(SAMPLE);
    expect(html).toMatch(/<div class="banner bad" id="verdict" data-status="failed">\n<div class="verdict">FAILED<\/div>\n<div>1 passed, 2 failed, 1 skipped in 9\.00 s<\/div>/);
    expect(html).toContain('defect</b> join-first-element');
    const rows = [...html.matchAll(/<tr><td>(?:<a href="#[^"]+">)?<code>([^<]+)<\/code>(?:<\/a>)?<\/td><td>[^<]*<\/td><td class="(\w+)">([^<]+)<\/td>/g)].map((m) => [m[1], m[2], m[3]]);
    expect(rows).toEqual([
      ['order.per-booking', 'pass', '✓ passed'],
      ['authz.join-array', 'fail', '✗ FAILED'],
      ['presence.ttl', 'skip', '- skipped'],
      ['robustness.huge-payload', 'fail', '✗ ERROR'],
    ]);
    // a skip shows its reason; a failure links to its evidence
    expect(html).toContain('pass --max-wait 125s to run it');
    expect(html).toContain('<a href="#check-authz.join-array">');
  });

  it('lists each failure with its guarantee and every line of evidence, and no section for passes', () => {
    const html = renderCheckHtml(SAMPLE);
    const failure = /<div class="card failure" id="check-authz\.join-array">(.*?)<\/div>/s.exec(html)?.[1] ?? '';
    expect(failure).toContain('<b>guarantee:</b> contract §6.4');
    expect([...failure.matchAll(/<li class="mono">/g)]).toHaveLength(2);
    expect(html).toContain('id="check-robustness.huge-payload"');
    expect(html).not.toContain('id="check-order.per-booking"');
  });

  it('says a clean run passed and a stopped one is partial', () => {
    expect(renderCheckHtml(report([check('order.per-booking', 'passed')]))).toMatch(/<div class="verdict">PASSED<\/div>/);
    const stopped = renderCheckHtml(report([check('order.per-booking', 'interrupted', [], 'interrupted by SIGINT')], { interrupted: 'interrupted by SIGINT', partial: true }));
    expect(stopped).toMatch(/<div class="banner warn"[^>]*>\n<div class="verdict">INTERRUPTED<\/div>/);
    expect(stopped).toContain('interrupted by SIGINT: the report is partial');
  });

  it('shows the first 50 evidence lines and says how many more report.json has', () => {
    const many = Array.from({ length: 60 }, (_, i) => `line ${i}`);
    const html = renderCheckHtml(report([check('order.per-booking', 'failed', many)]));
    expect(html).toContain('line 49');
    expect(html).not.toContain('line 50<');
    expect(html).toContain('… and 10 more in report.json');
  });

  it('has no script and fetches nothing', () => {
    const html = renderCheckHtml(SAMPLE);
    expect(html).not.toContain('<script');
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?(https?:|\/\/)/i);
  });
});
