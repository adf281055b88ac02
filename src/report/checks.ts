import type { CheckReport } from '../checks/run-checks.ts';
import { renderTextTable } from './table.ts';

const MARK: Record<string, string> = { passed: '✓ passed', failed: '✗ FAILED', skipped: '- SKIPPED', 'not-applicable': '· not applicable', error: '✗ ERROR', interrupted: '- INTERRUPTED' };

const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;

/** The terminal report of `bazaar check`: one row per check, then each failure's evidence and each skip's reason. */
export function renderCheckReport(report: CheckReport): string {
  const lines: string[] = [];
  lines.push(`bazaar check: ${report.target}${report.profile && report.profile !== 'contract' ? ` (profile ${report.profile})` : ''}${report.embedded ? (report.nodes > 1 ? ` (embedded reference cluster, ${report.nodes} nodes on Redis)` : ' (embedded reference server)') : ''}${report.defect ? `, defect ${report.defect}` : ''}`);
  if (report.presence) lines.push(`presence: ttl ${report.presence.ttlMs} ms, heartbeat ${report.presence.heartbeatMs} ms, sweep ${report.presence.sweepMs} ms`);
  lines.push('');
  lines.push(
    ...renderTextTable({
      headers: ['check', 'title', 'result', 'duration'],
      align: ['left', 'left', 'left', 'right'],
      rows: report.checks.map((c) => [c.id, c.title, MARK[c.status] ?? c.status, seconds(c.durationMs)]),
    }),
  );
  const failures = report.checks.filter((c) => c.status === 'failed' || c.status === 'error');
  for (const failure of failures) {
    lines.push('');
    lines.push(`✗ ${failure.id}: ${failure.title}`);
    lines.push(`  guarantee: ${failure.guarantee}`);
    if (failure.severity) lines.push(`  severity: ${failure.severity}`);
    if (failure.fixHint) lines.push(`  fix: ${failure.fixHint}`);
    for (const line of failure.evidence.slice(0, 20)) lines.push(`  - ${line}`);
    if (failure.evidence.length > 20) lines.push(`  - ... and ${failure.evidence.length - 20} more`);
  }
  // A skip is not a pass: say which checks gave no verdict and why, so "green" never hides them.
  const unjudged = report.checks.filter((c) => c.status === 'skipped' || c.status === 'not-applicable' || c.status === 'interrupted');
  if (unjudged.length) lines.push('');
  for (const check of unjudged) lines.push(`- ${check.id} ${check.status}: ${check.reason ?? check.evidence[0] ?? 'no reason given'}`);
  lines.push('');
  lines.push(`${verdictWord(report)}: ${countLine(report)} in ${seconds(report.durationMs)}`);
  if (report.interrupted) lines.push(`(${report.interrupted}: the report is partial)`);
  else if (report.failOnSkip && report.checks.some((c) => c.status === 'skipped')) lines.push('(--fail-on-skip: a skipped check fails the run)');
  return `${lines.join('\n')}\n`;
}

function verdictWord(report: CheckReport): string {
  if (report.interrupted) return 'INTERRUPTED';
  return report.passed ? 'PASSED' : 'FAILED';
}

/** `3 passed, 1 failed, 4 skipped` (and `2 interrupted` when there are any). */
function countLine(report: CheckReport): string {
  const count = (...statuses: string[]) => report.checks.filter((c) => statuses.includes(c.status)).length;
  const interrupted = count('interrupted');
  const inapplicable = count('not-applicable');
  return `${count('passed')} passed, ${count('failed', 'error')} failed, ${count('skipped')} skipped${inapplicable ? `, ${inapplicable} not applicable` : ''}${interrupted ? `, ${interrupted} interrupted` : ''}`;
}

const xml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

/**
 * JUnit XML, one testcase per check, so CI shows each check by name. JUnit has no
 * "interrupted" nor "not applicable": such checks are `<skipped>` with a message saying which.
 */
export function renderCheckJunit(report: CheckReport): string {
  const failed = report.checks.filter((c) => c.status === 'failed').length;
  const errors = report.checks.filter((c) => c.status === 'error').length;
  const skipped = report.checks.filter((c) => c.status === 'skipped' || c.status === 'not-applicable' || c.status === 'interrupted').length;
  const cases = report.checks.map((c) => {
    const open = `    <testcase classname="bazaar.${xml(c.id.split('.')[0] ?? c.id)}" name="${xml(c.id)}: ${xml(c.title)}" time="${(c.durationMs / 1000).toFixed(3)}"`;
    const finding = [...(c.severity ? [`severity: ${c.severity}`] : []), ...(c.fixHint ? [`fix: ${c.fixHint}`] : [])];
    const detail = xml([`guarantee: ${c.guarantee}`, ...finding, ...c.evidence].join('\n'));
    const notes = c.notes?.length ? `\n      <system-out>${xml(c.notes.join('\n'))}</system-out>` : '';
    if (c.status === 'passed') return notes ? `${open}>${notes}\n    </testcase>` : `${open}/>`;
    if (c.status === 'skipped' || c.status === 'not-applicable' || c.status === 'interrupted') {
      const reason = c.reason ?? c.evidence[0] ?? '';
      const message = c.status === 'interrupted' ? `interrupted: ${reason}` : c.status === 'not-applicable' ? `not applicable: ${reason}` : reason;
      return `${open}>\n      <skipped message="${xml(message)}"/>\n    </testcase>`;
    }
    const tag = c.status === 'error' ? 'error' : 'failure';
    const type = c.severity ? ` type="${c.severity}"` : '';
    return `${open}>\n      <${tag} message="${xml(c.evidence[0] ?? c.status)}"${type}>${detail}</${tag}>${notes}\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="bazaar check" tests="${report.checks.length}" failures="${failed}" errors="${errors}" skipped="${skipped}" time="${(report.durationMs / 1000).toFixed(3)}">`,
    `  <testsuite name="bazaar check ${xml(report.target)}" tests="${report.checks.length}" failures="${failed}" errors="${errors}" skipped="${skipped}" timestamp="${report.startedAt}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
