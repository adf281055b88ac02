import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckReport } from '../../src/checks/run-checks.ts';
import { ALL_CHECKS } from '../../src/checks/suite.ts';
import { renderCheckJunit } from '../../src/report/checks.ts';
import { renderCheckSarif, SECURITY_GROUPS } from '../../src/report/sarif.ts';
import { sarifProblems } from '../helpers/sarif.ts';
import { spawnCli } from '../run/cli-helpers.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'bazaar-sarif-'));

const report = (checks: CheckReport['checks']): CheckReport => ({
  target: 'http://127.0.0.1:1', embedded: true, startedAt: '2026-01-01T00:00:00.000Z', durationMs: 1000,
  presence: { ttlMs: 60_000, heartbeatMs: 20_000, sweepMs: 5_000 }, nodes: 1, checks, passed: true, partial: false, failOnSkip: false,
});
const check = (id: string, status: CheckReport['checks'][number]['status'], evidence: string[] = []) => ({
  id, title: `title of ${id}`, guarantee: 'contract §x', status, durationMs: 5, evidence,
});

describe('findings.sarif', () => {
  it('on a clean report: every security check a rule with help, no results', () => {
    const log = JSON.parse(renderCheckSarif(report([check('auth.rejects-unsigned-tokens', 'passed')]), ALL_CHECKS, '1.2.3'));
    expect(sarifProblems(log)).toEqual([]);
    expect(log.runs[0].results).toEqual([]);
    const ids = log.runs[0].tool.driver.rules.map((r: { id: string }) => r.id);
    expect(ids).toEqual(ALL_CHECKS.map((c) => c.id).filter((id) => (SECURITY_GROUPS as readonly string[]).includes(id.split('.')[0]!)));
    expect(ids).toEqual(expect.arrayContaining(['auth.rejects-unsigned-tokens', 'authz.join-matrix', 'robustness.hostile-payloads']));
    expect(ids.some((id: string) => id.startsWith('order.'))).toBe(false);
  });

  it('a failed security check is an error with its evidence, an errored one a warning; other groups stay out', () => {
    const log = JSON.parse(renderCheckSarif(report([
      check('authz.join-matrix', 'failed', ['u1@c1 joined booking b2 it is no party to']),
      check('robustness.hostile-payloads', 'error', ['the check threw: socket hang up']),
      check('order.concurrent-senders', 'failed', ['seq 41 after 43']),
    ]), ALL_CHECKS, '1.2.3'));
    expect(sarifProblems(log)).toEqual([]);
    expect(log.runs[0].results.map((r: any) => [r.ruleId, r.level])).toEqual([['authz.join-matrix', 'error'], ['robustness.hostile-payloads', 'warning']]);
    expect(log.runs[0].results[0].locations[0].physicalLocation).toBeUndefined();
    const located = JSON.parse(renderCheckSarif(report([check('authz.join-matrix', 'failed', ['x'])]), ALL_CHECKS, '1.2.3', { artifactPath: 'src/server.ts' }));
    expect(sarifProblems(located)).toEqual([]);
    expect(located.runs[0].results[0].locations[0].physicalLocation).toEqual({ artifactLocation: { uri: 'src/server.ts' }, region: { startLine: 1 } });
    expect(log.runs[0].results[0].message.text).toMatch(/FAILED on http:\/\/127\.0\.0\.1:1\nguarantee: contract §x\nevidence:\n- u1@c1 joined booking b2/);
  });
});

describe('findings.sarif carries a check\'s severity and fix hint', () => {
  it('the rule scores by the check\'s severity, the result repeats it with the fix', () => {
    const rules = [{ id: 'security.tokens.kid-injection', title: 'kid', guarantee: 'g', severity: 'critical' as const, fixHint: 'never read a key from kid' }];
    const failed = { ...check('security.tokens.kid-injection', 'failed', ['accepted']), severity: 'critical' as const, fixHint: 'never read a key from kid' };
    const log = JSON.parse(renderCheckSarif(report([failed]), rules, '1.2.3'));
    expect(sarifProblems(log)).toEqual([]);
    const rule = log.runs[0].tool.driver.rules[0];
    expect(rule.properties['security-severity']).toBe('9.5');
    expect(rule.help.text).toContain('Fix: never read a key from kid');
    const result = log.runs[0].results[0];
    expect(result.message.text).toMatch(/severity: critical\nfix: never read a key from kid\nevidence:\n- accepted/);
    expect(result.properties).toMatchObject({ severity: 'critical', fixHint: 'never read a key from kid' });
  });
});

describe('severity and fix hint of security findings', () => {
  const finding = { ...check('security.abuse.event-flood', 'failed', ['u1@c1 sent 3000 events, all answered']), severity: 'medium' as const, fixHint: 'limit events per socket', notes: ['bystander p50 1 ms'] };

  it('findings.sarif: the rule scores by the check\'s severity and helps with its fix; the result says both', () => {
    const log = JSON.parse(renderCheckSarif(report([finding]), ALL_CHECKS, '1.2.3'));
    expect(sarifProblems(log)).toEqual([]);
    const rule = log.runs[0].tool.driver.rules.find((r: { id: string }) => r.id === 'security.abuse.event-flood');
    expect(rule.properties).toMatchObject({ 'security-severity': '5.5', severity: 'medium', tags: ['security'] });
    expect(rule.help.text).toMatch(/Fix: limit events per socket/);
    const critical = log.runs[0].tool.driver.rules.find((r: { id: string }) => r.id === 'security.injection.claimed-identity');
    expect(critical.properties['security-severity']).toBe('9.5');
    expect(log.runs[0].results[0].message.text).toMatch(/guarantee: contract §x\nseverity: medium\nfix: limit events per socket\nevidence:/);
    expect(log.runs[0].results[0].properties).toMatchObject({ severity: 'medium', fixHint: 'limit events per socket' });
  });

  it('JUnit: the failure\'s type is the severity, its text names the fix; notes go to system-out, passed or not', () => {
    const xml = renderCheckJunit(report([finding, { ...check('security.abuse.room-joins', 'passed'), notes: ['100 joined, refused 20 rate_limited'] }]));
    expect(xml).toMatch(/<failure message="u1@c1 sent 3000 events, all answered" type="medium">guarantee: contract §x\nseverity: medium\nfix: limit events per socket\n/);
    expect(xml).toMatch(/<system-out>bystander p50 1 ms<\/system-out>/);
    expect(xml).toMatch(/name="security.abuse.room-joins: [^"]*"[^>]*>\n\s*<system-out>100 joined, refused 20 rate_limited<\/system-out>/);
  });
});

describe('bazaar check writes findings.sarif and the GitHub step summary (the real CLI)', () => {
  afterEach(() => {
    delete process.env.GITHUB_STEP_SUMMARY;
  });

  it('a failed security check carries its severity and fix hint into report.json, junit.xml and findings.sarif', async () => {
    const dir = tmp();
    const { code } = await spawnCli(['check', '--defect', 'admin-namespace-no-auth', '--only', 'security.namespaces.*', '--report', dir]).exited;
    expect(code).toBe(3);
    const checkReport = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as CheckReport;
    const failed = checkReport.checks.find((c) => c.status === 'failed')!;
    expect(failed).toMatchObject({ id: 'security.namespaces.unauthenticated', severity: 'critical', fixHint: expect.stringMatching(/io\.of\('\/admin'\)\.use/) });
    expect(readFileSync(join(dir, 'junit.xml'), 'utf8')).toMatch(/severity: critical\nfix: io\.use\(\) guards the main namespace only/);
    const log = JSON.parse(readFileSync(join(dir, 'findings.sarif'), 'utf8'));
    expect(sarifProblems(log)).toEqual([]);
    const [finding] = log.runs[0].results;
    expect(finding).toMatchObject({ ruleId: 'security.namespaces.unauthenticated', level: 'error', properties: { severity: 'critical' } });
    expect(log.runs[0].tool.driver.rules[finding.ruleIndex].properties['security-severity']).toBe('9.5');
  }, 60_000);

  it('against a server that joins every room of an array: the failed authz check is a result with its evidence', async () => {
    const dir = tmp();
    const stepSummary = join(tmp(), 'summary.md');
    process.env.GITHUB_STEP_SUMMARY = stepSummary;
    const { code } = await spawnCli(['check', '--defect', 'join-first-element', '--only', 'authz.hostile-join-payloads,auth.rejects-unsigned-tokens', '--report', dir]).exited;
    expect(code).toBe(3);
    const log = JSON.parse(readFileSync(join(dir, 'findings.sarif'), 'utf8'));
    expect(sarifProblems(log)).toEqual([]);
    const checkReport = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as CheckReport;
    const failed = checkReport.checks.filter((c) => c.status === 'failed').map((c) => c.id);
    expect(failed).toEqual(['authz.hostile-join-payloads']);
    expect(log.runs[0].results.map((r: any) => r.ruleId)).toEqual(failed);
    const [finding] = log.runs[0].results;
    expect(finding).toMatchObject({ level: 'error', ruleId: 'authz.hostile-join-payloads' });
    expect(finding.message.text).toMatch(/evidence:\n- \S+ sent only malformed \S+ payloads and received/);
    const rule = log.runs[0].tool.driver.rules[finding.ruleIndex];
    expect(rule.help.text).toMatch(/A failure means authorization: .*--only 'authz.hostile-join-payloads'/);
    expect(rule.properties['security-severity']).toMatch(/^\d+\.\d$/);

    const summary = readFileSync(stepSummary, 'utf8');
    expect(summary).toMatch(/^# bazaar check: http:\/\/127\.0\.0\.1:\d+ \(defect join-first-element\)\n\n\*\*FAILED\*\*: 1 passed, 1 failed, 0 skipped/);
    expect(summary).toMatch(/### ✗ `authz.hostile-join-payloads`/);
  }, 60_000);
});
