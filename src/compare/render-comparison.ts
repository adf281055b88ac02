import { formatCount, formatObserved, formatPercent, formatUs } from '../report/format.ts';
import { renderMarkdownTable, renderTextTable, type Table } from '../report/table.ts';
import { COMPARED_STATS, type Change, type RunComparison } from './compare-runs.ts';

const STAT_LABEL: Record<(typeof COMPARED_STATS)[number], string> = { p50Us: 'p50', p90Us: 'p90', p95Us: 'p95', p99Us: 'p99', maxUs: 'max' };

/** What text and markdown both show, decided once. */
interface ComparisonContent {
  title: string;
  runs: [label: string, value: string][];
  verdictOnComparability: string[];
  latency: Table | undefined;
  counters: Table | undefined;
  gates: Table | undefined;
  verdict: string;
}

export function renderComparisonText(comparison: RunComparison): string {
  const content = describeComparison(comparison);
  const lines = [content.title, ...content.runs.map(([label, value]) => `  ${`${label}:`.padEnd(10)}${value}`)];
  if (content.verdictOnComparability.length) lines.push('', ...content.verdictOnComparability.map((line, i) => (i === 0 ? `!! ${line}` : `   ${line}`)));
  lines.push('', 'Latency (from the full HDR distributions)');
  lines.push(...(content.latency ? renderTextTable(content.latency) : ['  no latency series in either run']));
  lines.push('', 'Counters');
  lines.push(...(content.counters ? renderTextTable(content.counters) : ['  none']));
  lines.push('', 'Gates');
  lines.push(...(content.gates ? renderTextTable(content.gates) : ['  none (add --fail-if to gate on a regression)']));
  lines.push('', content.verdict);
  return `${lines.join('\n')}\n`;
}

export function renderComparisonMarkdown(comparison: RunComparison, heading = '#'): string {
  const content = describeComparison(comparison);
  const md = (text: string) => text.replaceAll('|', '\\|');
  const lines = [`${heading} ${content.title}`, '', ...renderMarkdownTable({
    headers: ['', ''],
    align: ['left', 'left'],
    rows: content.runs,
  })];
  if (content.verdictOnComparability.length) lines.push('', ...content.verdictOnComparability.map((line) => `> **${md(line)}**`));
  lines.push('', `${heading}# Latency`, '', ...(content.latency ? renderMarkdownTable(content.latency) : ['No latency series in either run.']));
  lines.push('', `${heading}# Counters`, '', ...(content.counters ? renderMarkdownTable(content.counters) : ['None.']));
  lines.push('', `${heading}# Gates`, '', ...(content.gates ? renderMarkdownTable(content.gates) : ['None.']));
  lines.push('', `**${content.verdict}**`);
  return `${lines.join('\n')}\n`;
}

function describeComparison(comparison: RunComparison): ComparisonContent {
  const run = (r: RunComparison['base']) => `${r.scenario}, ${r.startedAt}, ${r.status}${r.path ? ` (${r.path})` : ''}`;
  const verdictOnComparability: string[] = [];
  if (!comparison.comparable) {
    verdictOnComparability.push(
      'NOT COMPARABLE: these runs did not measure the same thing, so a change below may come from that difference rather than from the server; a gate verdict is no evidence of a regression, nor of its absence',
      ...comparison.differences.map((d) => `- ${d}`),
    );
  }
  verdictOnComparability.push(...comparison.notes.map((note) => `note: ${note}`));

  const latencyRows = comparison.latencies.flatMap((series) => [
    [series.key, 'count', formatCount(series.count.base ?? 0), formatCount(series.count.current ?? 0), signedCount(series.count), percentCell(series.count)],
    ...COMPARED_STATS.map((field) => {
      const c = series.stats[field];
      return ['', STAT_LABEL[field], usCell(c.base), usCell(c.current), signedUs(c), percentCell(c)];
    }),
  ]);
  const counterRows = comparison.counters.map((counter) => [
    counter.key, formatCount(counter.value.base ?? 0), formatCount(counter.value.current ?? 0), signedCount(counter.value), percentCell(counter.value),
  ]);
  const gateRows = comparison.gates.map((gate) => [
    gate.passed ? '✓' : '✗',
    gate.source,
    formatObserved(gate.base, gate.valueUnit),
    formatObserved(gate.current, gate.valueUnit),
    gate.observed === undefined ? '' : gate.mode === 'percent' ? signed(gate.observed, formatPercent(Math.abs(gate.observed)))
      : gate.mode === 'delta' ? signed(gate.observed, formatObserved(Math.abs(gate.observed), gate.unit)) : '',
    gate.reason ?? '',
  ]);
  const failed = comparison.gates.filter((g) => !g.passed).length;
  const gatesWord = comparison.gates.length === 0 ? 'no gates' : `${comparison.gates.length - failed} of ${comparison.gates.length} gates passed`;
  const verdict = `${failed > 0 ? 'REGRESSION' : comparison.gates.length ? 'NO REGRESSION' : 'COMPARED'}: ${gatesWord}${comparison.comparable ? '' : ' (NOT COMPARABLE runs: see above)'}`;
  return {
    title: `bazaar compare: ${comparison.current.scenario} against its baseline`,
    runs: [['baseline', run(comparison.base)], ['current', run(comparison.current)]],
    verdictOnComparability,
    latency: latencyRows.length
      ? { headers: ['series', 'stat', 'baseline', 'current', 'change', 'change %'], align: ['left', 'left', 'right', 'right', 'right', 'right'], rows: latencyRows }
      : undefined,
    counters: counterRows.length
      ? { headers: ['counter', 'baseline', 'current', 'change', 'change %'], align: ['left', 'right', 'right', 'right', 'right'], rows: counterRows }
      : undefined,
    gates: gateRows.length
      ? { headers: ['', 'gate (fails when true)', 'baseline', 'current', 'change', ''], align: ['left', 'left', 'right', 'right', 'right', 'left'], rows: gateRows }
      : undefined,
    verdict,
  };
}

const usCell = (us: number | undefined) => (us === undefined ? '—' : formatUs(us));
const signed = (value: number, magnitude: string) => (value > 0 ? `+${magnitude}` : value < 0 ? `-${magnitude}` : magnitude);
const signedUs = (c: Change) => (c.delta === undefined ? '—' : signed(c.delta, formatUs(Math.abs(c.delta))));
const signedCount = (c: Change) => (c.delta === undefined ? '—' : signed(c.delta, formatCount(Math.abs(c.delta))));

function percentCell(c: Change): string {
  if (c.percent === undefined) return '—';
  if (!Number.isFinite(c.percent)) return c.percent > 0 ? 'new' : 'gone';
  return signed(c.percent, formatPercent(Math.abs(c.percent)));
}
