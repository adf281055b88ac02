import type { CheckReport } from '../../checks/run-checks.ts';
import { formatCount, formatMs } from '../format.ts';
import { escapeHtml } from './escape.ts';
import { htmlTable, renderPage } from './page.ts';

/** Evidence lines shown per failed check; report.json keeps every one. */
const EVIDENCE_LINES = 50;

const STATUS_CELL: Record<string, { text: string; className: string }> = {
  passed: { text: '✓ passed', className: 'pass' },
  failed: { text: '✗ FAILED', className: 'fail' },
  error: { text: '✗ ERROR', className: 'fail' },
  skipped: { text: '- skipped', className: 'skip' },
  interrupted: { text: '- interrupted', className: 'skip' },
};

/**
 * report.html for `bazaar check`: the verdict, the table of checks, then each failure with its
 * evidence. Evidence is what the target sent back (in an authorization or robustness check, a
 * hostile server's words), so every bit of it is escaped. Pure: report in, HTML out; no charts,
 * no scripts.
 */
export function renderCheckHtml(report: CheckReport): string {
  const count = (...statuses: string[]) => report.checks.filter((c) => statuses.includes(c.status)).length;
  const failedCount = count('failed', 'error');
  const skippedCount = count('skipped');
  const interruptedCount = count('interrupted');
  const verdict = report.interrupted ? 'INTERRUPTED' : report.passed ? 'PASSED' : 'FAILED';
  const kind = report.interrupted ? 'warn' : report.passed ? 'ok' : 'bad';
  const countLine = `${count('passed')} passed, ${failedCount} failed, ${skippedCount} skipped${interruptedCount ? `, ${interruptedCount} interrupted` : ''} in ${formatMs(report.durationMs)}`;
  const reasons: string[] = [];
  for (const failure of report.checks.filter((c) => c.status === 'failed' || c.status === 'error')) {
    reasons.push(`${failure.id}: ${failure.evidence[0] ?? failure.status}`);
  }
  if (report.interrupted) reasons.push(`${report.interrupted}: the report is partial`);
  if (report.failOnSkip && skippedCount > 0) reasons.push('--fail-on-skip: a skipped check fails the run');

  const where = report.embedded
    ? report.nodes > 1 ? `embedded reference cluster, ${report.nodes} nodes on Redis` : 'embedded reference server'
    : undefined;
  const facts: [string, string][] = [
    ['target', report.target + (where ? ` (${where})` : '')],
    ...(report.defect ? [['defect', report.defect] as [string, string]] : []),
    ['started', report.startedAt],
    ...(report.presence ? [['presence', `ttl ${formatCount(report.presence.ttlMs)} ms, heartbeat ${formatCount(report.presence.heartbeatMs)} ms, sweep ${formatCount(report.presence.sweepMs)} ms`] as [string, string]] : []),
  ];

  const table = htmlTable(
    [{ text: 'check' }, { text: 'title' }, { text: 'result' }, { text: 'duration', className: 'num' }, { text: 'evidence or reason' }],
    report.checks.map((c) => {
      const status = STATUS_CELL[c.status] ?? { text: c.status, className: '' };
      const failed = c.status === 'failed' || c.status === 'error';
      const first = failed ? c.evidence[0] : c.reason ?? c.evidence[0];
      return [
        { html: failed ? `<a href="#${anchor(c.id)}"><code>${escapeHtml(c.id)}</code></a>` : `<code>${escapeHtml(c.id)}</code>` },
        { html: escapeHtml(c.title) },
        { html: escapeHtml(status.text), className: status.className },
        { html: escapeHtml(formatMs(c.durationMs)), className: 'num' },
        { html: escapeHtml(first ?? ''), className: 'evidence' },
      ];
    }),
  );

  const failures = report.checks
    .filter((c) => c.status === 'failed' || c.status === 'error')
    .map((c) => {
      const shown = c.evidence.slice(0, EVIDENCE_LINES);
      const more = c.evidence.length - shown.length;
      return `<div class="card failure" id="${anchor(c.id)}">
<h3>✗ <code>${escapeHtml(c.id)}</code>: ${escapeHtml(c.title)}</h3>
<p><b>guarantee:</b> ${escapeHtml(c.guarantee)}</p>
<ul class="evidence">${shown.map((line) => `<li class="mono">${escapeHtml(line)}</li>`).join('')}${more > 0 ? `<li>… and ${formatCount(more)} more in report.json</li>` : ''}</ul>
</div>`;
    });

  const body = [
    `<h1>bazaar check: ${escapeHtml(report.target)}</h1>`,
    `<p class="facts">${facts.map(([label, value]) => `<span><b>${escapeHtml(label)}</b> ${escapeHtml(value)}</span>`).join(' ')}</p>`,
    `<div class="banner ${kind}" id="verdict" data-status="${escapeHtml(verdict.toLowerCase())}">
<div class="verdict">${escapeHtml(verdict)}</div>
<div>${escapeHtml(countLine)}</div>
${reasons.length ? `<ul>${reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul>` : ''}
</div>`,
    '<section>\n<h2>Checks</h2>',
    table,
    '</section>',
    ...(failures.length ? ['<section>\n<h2>Failures and their evidence</h2>', ...failures, '</section>'] : []),
    '<footer>Written by bazaar beside report.json (every figure here) and junit.xml. Self-contained: opens offline.</footer>',
  ];
  return renderPage({ title: `bazaar check: ${report.target} — ${verdict}`, body: body.join('\n') });
}

/** An element id from a check id (`authz.booking-join`): letters, digits, dots and dashes only. */
function anchor(id: string): string {
  return `check-${id.replace(/[^\w.-]/g, '_')}`;
}
