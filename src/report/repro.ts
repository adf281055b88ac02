import type { ReproEntry, ReproReport, VariantOutcome } from '../lab/repro/types.ts';
import { renderTextTable } from './table.ts';

/** `bazaar repro`: the catalog, one entry a line, with what each needs beyond Node. */
export function renderReproList(entries: readonly ReproEntry[]): string {
  const rows = entries.map((e) => [e.name, e.needs.length > 0 ? e.needs.join(', ') : '-', reproFault(e) ?? '-', e.summary]);
  return [
    'Real Socket.IO scale bugs, reproduced locally (docs/repro/README.md):',
    '',
    ...renderTextTable({ headers: ['NAME', 'NEEDS', 'FAULT', 'WHAT'], align: ['left', 'left', 'left', 'left'], rows }),
    '',
    'Run one: npx bazaar repro NAME [--scale F] [--duration D] [--json]',
  ].join('\n');
}

/** The fault an entry injects while its load runs, without its timing ('kill-node 1'); undefined for none. */
export function reproFault(entry: ReproEntry): string | undefined {
  const faults = entry.load(entry.defaultSize, 'bug').faults ?? [];
  if (faults.length === 0) return undefined;
  // Each kind once, in order, with how many times it is played: 'kill-redis-subscribers ×10, restart-redis'.
  const counts = new Map<string, number>();
  for (const fault of faults) {
    const kind = fault.split(' at ')[0] as string;
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return [...counts].map(([kind, n]) => (n > 1 ? `${kind} ×${n}` : kind)).join(', ');
}

const VERDICT_LINES: Record<ReproReport['verdict'], string> = {
  'reproduced-fixed': 'REPRODUCED, and the documented fix clears it',
  'fix-did-not-clear': 'REPRODUCED, but the fix variant still shows it',
  'not-reproduced': 'NOT REPRODUCED',
  skipped: 'SKIPPED',
  interrupted: 'INTERRUPTED before a verdict (what ran is below)',
};

/** The verdict for a person: what was looked for, what each variant showed, with figures. */
export function renderReproReport(report: ReproReport): string {
  const lines = [`${report.name}: ${VERDICT_LINES[report.verdict]}`];
  if (report.skipped) {
    lines.push(`  ${report.skipped}`);
    return lines.join('\n');
  }
  lines.push(`  looked for: ${report.signature}`);
  lines.push(`  size: scale ${report.size.scale}, ${report.size.durationMs / 1000} s of load`);
  if (report.bug) lines.push('', ...variantLines('bug', report.bug));
  if (report.fix) lines.push('', ...variantLines('fix', report.fix));
  if (report.verdict === 'not-reproduced') {
    lines.push('', '  The signature did not show at this size: try a larger --scale or --duration, and see the page for what bazaar measured here.');
  }
  lines.push('', `  more: ${report.doc}`);
  return lines.join('\n');
}

function variantLines(role: 'bug' | 'fix', outcome: VariantOutcome): string[] {
  const seen = outcome.match.present ? 'signature PRESENT' : 'signature absent';
  const lines = [`  ${role}: ${outcome.label}`, `    ${seen}: ${outcome.match.summary}`];
  const figures = Object.entries(outcome.match.figures);
  const width = Math.max(...figures.map(([name]) => name.length));
  for (const [name, value] of figures) lines.push(`    ${name.padEnd(width)}  ${value}`);
  return lines;
}
