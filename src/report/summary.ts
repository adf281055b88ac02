import { describeViolation, type RunViolations } from '../checks/violations.ts';
import type { MetricsSnapshot } from '../metrics/index.ts';
import { formatCount, formatMs, formatObserved, formatPercent, formatUs } from './format.ts';
import { renderMarkdownTable, renderTextTable, type Table } from './table.ts';
import type { FaultEvent, FaultImpact } from '../lab/faults/fault-impact.ts';
import { describeFaults, FAULTS_NOTE } from './faults.ts';

export type RunStatus = 'passed' | 'thresholds_failed' | 'aborted' | 'error' | 'interrupted';

export interface ThresholdResultForReport {
  /** The metric selector, canonical: `ack{event:message:send}`. */
  key: string;
  /** The condition as written: `p(95)<150ms`. */
  source: string;
  passed: boolean;
  /** In `unit` ('us' | 'ms' | 's' for time stats, 'none' for count and rate). */
  observed: number | undefined;
  unit: string;
  reason?: string;
  /** Tag filters no series carried, e.g. ['code:internl']: the threshold judged nothing there. */
  neverObserved?: string[];
}

/** A subset of the run result the engine produces. */
export interface RunResultForReport {
  scenario: string;
  target: string;
  startedAt: string;
  durationMs: number;
  partial: boolean;
  status: RunStatus;
  generator: { saturated: boolean; loopDelayP99Ms: number; cpuPercent: number; scheduleLagP99Ms?: number; note?: string };
  thresholds: ThresholdResultForReport[];
  metrics: MetricsSnapshot;
  /** Online checking's findings (absent in results from before it existed). */
  violations?: RunViolations;
  /** With workers (src/engine/workers/): each worker, and both sides' CPU. */
  workers?: WorkersForReport;
  /** The faults injected, and what each cost (docs/faults.md). */
  faults?: FaultEvent[];
  faultImpact?: FaultImpact[];
  /** With agents (src/engine/agents/): who played, and their clocks. */
  agents?: AgentsForReport;
}

export interface AgentsForReport {
  count: number;
  redis: string;
  startLeadMs: number;
  agents: { agent: number; name: string; clockOffsetMs: number; clockUncertaintyMs: number; startedLateMs?: number; lost?: string }[];
}

export interface WorkersForReport {
  count: number;
  workers: { worker: number; pid: number; cpuPercent: number; saturated: boolean; exit?: string; peakRssMb?: number; where?: string }[];
  coordinatorCpuPercent: number;
  serverProcesses: number;
  serverCpuPercent?: number;
  serverPeakRssMb?: number;
}

/** Evidence lines per kind in the summary; result.json keeps more. */
const EVIDENCE_LINES_PER_KIND = 3;

const STATUS_WORDS: Record<RunStatus, string> = {
  passed: 'PASSED',
  thresholds_failed: 'THRESHOLDS FAILED',
  aborted: 'ABORTED',
  error: 'ERROR',
  interrupted: 'INTERRUPTED',
};

const PASS = '✓';
const FAIL = '✗';

const UNCORRECTED_NOTE =
  'p50 to max are corrected for coordinated omission: a step that waited behind a stalled step of the same ' +
  'user, or an arrival that waited for a free VU, counts from when it would have started; uncorrected = ' +
  'from its actual start, shown only where it differs (docs/latency.md)';
const CORRECTED_NOTE =
  'measured from each step\'s actual start: no step waited behind a stalled one (coordinated omission, docs/latency.md)';
/** The generator's own figure: shown on the generator line, never among the target's latencies. */
const SCHEDULE_LAG = 'schedule_lag';

/** What both renderers print, decided once so text and markdown cannot drift apart. */
interface SummaryContent {
  title: string;
  facts: [label: string, value: string][];
  warnings: string[];
  generatorLine: string | undefined;
  latency: Table | undefined;
  latencyNote: string | undefined;
  counters: { table: Table; textRows: string[][] } | undefined;
  violations: { table: Table | undefined; note: string; evidence: string[] } | undefined;
  faults: Table | undefined;
  thresholds: Table | undefined;
  verdict: string;
}

/** The end-of-run summary for a terminal: header, warnings, latency, counters, thresholds. */
export function renderSummaryText(result: RunResultForReport): string {
  const content = describeRun(result);
  const lines = [content.title, ...content.facts.map(([label, value]) => `  ${`${label}:`.padEnd(10)}${value}`)];
  for (const warning of content.warnings) lines.push('', `!! ${warning}`);
  if (content.generatorLine) lines.push('', content.generatorLine);

  lines.push('', 'Latency');
  if (content.latency) {
    lines.push(...renderTextTable(content.latency));
    if (content.latencyNote) lines.push(`  ${content.latencyNote}`);
  } else {
    lines.push('  no latency samples recorded');
  }

  lines.push('', 'Counters');
  if (content.counters) {
    lines.push(...renderTextTable({ ...content.counters.table, rows: content.counters.textRows }));
  } else {
    lines.push('  none');
  }

  if (content.violations) {
    lines.push('', 'Violations');
    if (content.violations.table) lines.push(...renderTextTable(content.violations.table));
    lines.push(`  ${content.violations.note}`, ...content.violations.evidence.map((line) => `  ${line}`));
  }

  if (content.faults) lines.push('', 'Faults', ...renderTextTable(content.faults), `  ${FAULTS_NOTE}`);

  lines.push('', 'Thresholds');
  lines.push(...(content.thresholds ? renderTextTable(content.thresholds) : ['  none']));
  lines.push('', content.verdict);
  return `${lines.join('\n')}\n`;
}

/** The same content as markdown (summary.md): a heading, facts, warnings as quotes, tables. */
export function renderSummaryMarkdown(result: RunResultForReport): string {
  const content = describeRun(result);
  const md = (text: string) => text.replaceAll('|', '\\|');
  const lines = [`# ${content.title}`, '', ...renderMarkdownTable({
    headers: ['', ''],
    align: ['left', 'left'],
    rows: content.facts.map(([label, value]) => [label, value]),
  })];
  for (const warning of content.warnings) lines.push('', `> **${md(warning)}**`);
  if (content.generatorLine) lines.push('', md(content.generatorLine));

  lines.push('', '## Latency', '');
  if (content.latency) {
    lines.push(...renderMarkdownTable(codeFirstColumn(content.latency)));
    if (content.latencyNote) lines.push('', `_${content.latencyNote}_`);
  } else {
    lines.push('No latency samples recorded.');
  }

  lines.push('', '## Counters', '');
  lines.push(...(content.counters ? renderMarkdownTable(codeFirstColumn(content.counters.table)) : ['None.']));

  if (content.violations) {
    lines.push('', '## Violations', '');
    if (content.violations.table) lines.push(...renderMarkdownTable(codeFirstColumn(content.violations.table)), '');
    lines.push(`_${md(content.violations.note)}_`);
    if (content.violations.evidence.length) lines.push('', ...content.violations.evidence.map((line) => `- ${md(line)}`));
  }

  if (content.faults) lines.push('', '## Faults', '', ...renderMarkdownTable(content.faults), '', `_${md(FAULTS_NOTE)}_`);

  lines.push('', '## Thresholds', '');
  lines.push(...(content.thresholds ? renderMarkdownTable(codeColumns(content.thresholds, [1, 2])) : ['None.']));
  lines.push('', `**${content.verdict}**`);
  return `${lines.join('\n')}\n`;
}

function describeRun(result: RunResultForReport): SummaryContent {
  const status = STATUS_WORDS[result.status] + (result.partial ? ' (PARTIAL)' : '');
  const warnings: string[] = [];
  if (result.partial) {
    warnings.push(`PARTIAL: the run ended early (${result.status.replace('_', ' ')}); these numbers cover only the part that ran`);
  }
  const generator = result.generator;
  const lag = generator.scheduleLagP99Ms === undefined
    ? ''
    : `, schedule lag p99 ${formatMs(generator.scheduleLagP99Ms)} (how late arrivals started; not in the latencies)`;
  const generatorFacts =
    `event-loop delay p99 ${formatMs(generator.loopDelayP99Ms)}${lag}, CPU ${formatPercent(generator.cpuPercent)}`;
  if (generator.saturated) {
    warnings.push(
      `GENERATOR SATURATED (${generatorFacts}): latencies include the load generator's own delay, not only the server's` +
        (generator.note ? ` — ${generator.note}` : ''),
    );
  }

  for (const worker of result.workers?.workers ?? []) {
    if (worker.exit) warnings.push(`WORKER ${worker.worker} (${worker.where ? `${worker.where}, ` : ''}pid ${worker.pid}) ${worker.exit} before its run ended: its figures stop at its last report`);
  }

  const violations = result.violations;
  if (violations?.checked && violations.total > 0) {
    const byKind = Object.entries(violations.counts).map(([kind, n]) => `${kind} ${formatCount(n)}`).join(', ');
    warnings.push(`CONTRACT VIOLATED under load: ${formatCount(violations.total)} violations (${byKind}); evidence below and in result.json`);
  }

  const failed = result.thresholds.filter((threshold) => !threshold.passed).length;
  const verdict =
    result.thresholds.length === 0
      ? status
      : `${status}: ${result.thresholds.length - failed} of ${result.thresholds.length} thresholds passed`;

  return {
    title: `bazaar run: ${result.scenario}`,
    facts: [
      ['target', result.target],
      ['started', result.startedAt],
      ['duration', formatMs(result.durationMs)],
      ['status', status],
      ...(result.workers ? describeMachine(result.workers) : []),
      ...(result.agents ? [describeAgents(result.agents)] : []),
    ],
    warnings,
    generatorLine: generator.saturated
      ? undefined
      : `generator: ${generatorFacts}${generator.note ? ` (${generator.note})` : ''}`,
    ...describeLatencies(result.metrics),
    counters: describeCounters(result.metrics),
    violations: describeViolations(violations),
    faults: describeFaults(result.faults, result.faultImpact),
    thresholds: describeThresholds(result.thresholds),
    verdict,
  };
}

/** Both sides of the machine: what each worker and the server processes used (percent of one core). */
function describeMachine(workers: WorkersForReport): [string, string][] {
  const each = workers.workers.map((w) => formatPercent(w.cpuPercent)).join(' + ');
  const rss = workers.workers.every((w) => w.peakRssMb !== undefined)
    ? `, peak RSS ${workers.workers.map((w) => `${w.peakRssMb} MB`).join(' + ')}`
    : '';
  const facts: [string, string][] = [
    ['workers', `${workers.count} processes, CPU ${each} of a core${rss}; coordinator ${formatPercent(workers.coordinatorCpuPercent)}`],
  ];
  if (workers.serverProcesses > 0) {
    const cpu = workers.serverCpuPercent === undefined ? 'CPU not measured (no /proc)' : `CPU ${formatPercent(workers.serverCpuPercent)} of a core`;
    const serverRss = workers.serverPeakRssMb === undefined ? '' : `, peak RSS ${workers.serverPeakRssMb} MB`;
    facts.push(['server', `${workers.serverProcesses} process${workers.serverProcesses === 1 ? '' : 'es'} started for the run, ${cpu}${serverRss}`]);
  }
  return facts;
}

/** Who played and how their clocks stood against the coordinator's (measured through Redis TIME). */
function describeAgents(agents: AgentsForReport): [string, string] {
  const signed = (n: number) => `${n >= 0 ? '+' : ''}${n}`;
  const clocks = agents.agents.map((a) => `${a.name} ${signed(a.clockOffsetMs)} ms ±${a.clockUncertaintyMs}${a.lost ? ` (lost: ${a.lost})` : ''}`).join(', ');
  const late = agents.agents.map((a) => a.startedLateMs).filter((n): n is number => n !== undefined);
  const spread = late.length ? `, started within ${formatMs(Math.max(...late.map(Math.abs)))} of it` : '';
  return ['agents', `${agents.count} on ${agents.redis}, clock vs coordinator ${clocks}; common start ${agents.startLeadMs} ms ahead${spread}`];
}

function describeLatencies(metrics: MetricsSnapshot): Pick<SummaryContent, 'latency' | 'latencyNote'> {
  const latencies = metrics.latencies.filter((series) => series.name !== SCHEDULE_LAG);
  if (latencies.length === 0) return { latency: undefined, latencyNote: undefined };
  // Compare as printed: a difference below display precision is no difference to a reader.
  const uncorrectedCell = (corrected: number, uncorrected: number) =>
    formatUs(corrected) === formatUs(uncorrected) ? '' : formatUs(uncorrected);
  const rows = latencies.map(({ key, summary, uncorrected }) => [
    key,
    formatCount(summary.count),
    ...(['p50Us', 'p95Us', 'p99Us', 'maxUs'] as const).map((field) => formatUs(summary[field])),
    uncorrectedCell(summary.p95Us, uncorrected.p95Us),
    uncorrectedCell(summary.p99Us, uncorrected.p99Us),
  ]);
  const anyDiffer = rows.some((row) => row[6] !== '' || row[7] !== '');
  const headers = ['series', 'count', 'p50', 'p95', 'p99', 'max', 'uncorrected p95', 'uncorrected p99'];
  const columns = anyDiffer ? headers.length : 6;
  return {
    latency: {
      headers: headers.slice(0, columns),
      align: ['left', ...Array<'right'>(columns - 1).fill('right')],
      rows: rows.map((row) => row.slice(0, columns)),
    },
    latencyNote: anyDiffer ? UNCORRECTED_NOTE : CORRECTED_NOTE,
  };
}

/**
 * One row per counter name with its total, then (when tagged) one row per tag set, largest first:
 * errors by code, disconnects by reason.
 */
function describeCounters(metrics: MetricsSnapshot): SummaryContent['counters'] {
  if (metrics.counters.length === 0) return undefined;
  const byName = new Map<string, MetricsSnapshot['counters']>();
  for (const counter of metrics.counters) byName.set(counter.name, [...(byName.get(counter.name) ?? []), counter]);
  const rows: string[][] = [];
  const textRows: string[][] = [];
  for (const name of [...byName.keys()].sort()) {
    const series = byName.get(name) ?? [];
    const total = series.reduce((sum, counter) => sum + counter.value, 0);
    rows.push([name, formatCount(total)]);
    textRows.push([name, formatCount(total)]);
    const tagged = series.filter((counter) => Object.keys(counter.tags).length > 0);
    for (const counter of [...tagged].sort((a, b) => b.value - a.value || (a.key < b.key ? -1 : 1))) {
      const tags = Object.keys(counter.tags).sort().map((tag) => `${tag}:${counter.tags[tag]}`).join(',');
      rows.push([counter.key, formatCount(counter.value)]);
      textRows.push([`  ${tags}`, formatCount(counter.value)]);
    }
  }
  return { table: { headers: ['counter', 'value'], align: ['left', 'right'], rows }, textRows };
}

/** Counts per kind, then the first few evidence lines of each kind. */
function describeViolations(violations: RunViolations | undefined): SummaryContent['violations'] {
  if (!violations) return undefined;
  if (!violations.checked) return { table: undefined, note: 'not checked (--no-check)', evidence: [] };
  // Kinds the target's profile does not claim: named, so "none" never reads as "none of those either".
  const notApplicable = Object.keys(violations.notApplicable ?? {});
  const checked = `checked: ${violations.kinds.join(', ') || 'nothing'}${notApplicable.length ? `; not applicable to this target: ${notApplicable.join(', ')}` : ''}`;
  if (violations.total === 0) return { table: undefined, note: `none (${checked})`, evidence: [] };
  const kinds = Object.keys(violations.counts).sort();
  const evidence: string[] = [];
  for (const kind of kinds) {
    evidence.push(...violations.evidence.filter((v) => v.kind === kind).slice(0, EVIDENCE_LINES_PER_KIND).map(describeViolation));
  }
  return {
    table: { headers: ['kind', 'count'], align: ['left', 'right'], rows: kinds.map((kind) => [kind, formatCount(violations.counts[kind] ?? 0)]) },
    note: `${checked}; the first ${EVIDENCE_LINES_PER_KIND} of each kind (result.json keeps ${violations.evidencePerKind}):`,
    evidence,
  };
}

function describeThresholds(thresholds: ThresholdResultForReport[]): Table | undefined {
  if (thresholds.length === 0) return undefined;
  return {
    headers: ['', 'metric', 'threshold', 'observed', ''],
    align: ['left', 'left', 'left', 'right', 'left'],
    rows: thresholds.map((threshold) => [
      threshold.passed ? PASS : FAIL,
      threshold.key,
      threshold.source,
      formatObserved(threshold.observed, threshold.unit),
      thresholdNote(threshold),
    ]),
  };
}

/** Why it failed, and any tag value it filtered by that never appeared (a typo passes count==0 otherwise). */
function thresholdNote(threshold: ThresholdResultForReport): string {
  const unseen = threshold.neverObserved?.length ? `never observed: ${threshold.neverObserved.join(', ')}` : undefined;
  return [threshold.reason, unseen].filter((note) => note !== undefined).join('; ');
}

function codeFirstColumn(table: Table): Table {
  return codeColumns(table, [0]);
}

function codeColumns(table: Table, columns: number[]): Table {
  return {
    ...table,
    rows: table.rows.map((row) => row.map((cell, column) => (columns.includes(column) && cell !== '' ? `\`${cell}\`` : cell))),
  };
}
