import type { CheckReport } from '../checks/run-checks.ts';
import { renderMarkdownTable } from './table.ts';

const MARK: Record<string, string> = { passed: '✓ passed', failed: '✗ FAILED', skipped: '- skipped', error: '✗ ERROR', interrupted: '- interrupted' };
const EVIDENCE_LINES = 10;

/** `bazaar check`'s report as markdown (a CI job summary): the verdict, the table, each failure's evidence. */
export function renderCheckMarkdown(report: CheckReport): string {
  const md = (text: string) => text.replaceAll('|', '\\|').replaceAll('`', "'");
  const count = (...statuses: string[]) => report.checks.filter((c) => statuses.includes(c.status)).length;
  const verdict = report.interrupted ? 'INTERRUPTED' : report.passed ? 'PASSED' : 'FAILED';
  const lines = [
    `# bazaar check: ${md(report.target)}${report.defect ? ` (defect ${md(report.defect)})` : ''}`,
    '',
    `**${verdict}**: ${count('passed')} passed, ${count('failed', 'error')} failed, ${count('skipped')} skipped${count('interrupted') ? `, ${count('interrupted')} interrupted` : ''}`,
    '',
    ...renderMarkdownTable({
      headers: ['check', 'title', 'result'],
      align: ['left', 'left', 'left'],
      rows: report.checks.map((c) => [`\`${c.id}\``, c.title, MARK[c.status] ?? c.status]),
    }),
  ];
  for (const failure of report.checks.filter((c) => c.status === 'failed' || c.status === 'error')) {
    lines.push('', `### ✗ \`${failure.id}\`: ${md(failure.title)}`, '', `_guarantee: ${md(failure.guarantee)}_`, '');
    lines.push(...failure.evidence.slice(0, EVIDENCE_LINES).map((line) => `- ${md(line)}`));
    if (failure.evidence.length > EVIDENCE_LINES) lines.push(`- … and ${failure.evidence.length - EVIDENCE_LINES} more in report.json`);
  }
  const unjudged = report.checks.filter((c) => c.status === 'skipped' || c.status === 'interrupted');
  if (unjudged.length) lines.push('', '### Not judged', '', ...unjudged.map((c) => `- \`${c.id}\` ${c.status}: ${md(c.reason ?? c.evidence[0] ?? 'no reason given')}`));
  return `${lines.join('\n')}\n`;
}
