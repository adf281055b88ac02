import type { RunViolations } from '../../checks/violations.ts';
import type { LatencySnapshot, RunTimeline } from '../../metrics/index.ts';
import { formatCount, formatMs, formatObserved, formatPercent, formatUs } from '../format.ts';
import type { RunResultForReport, RunStatus, ThresholdResultForReport } from '../summary.ts';
import type { ChartSpec } from './charts-script.ts';
import { percentileGrid, valuesAtGrid } from './distribution.ts';
import { escapeHtml } from './escape.ts';
import { htmlTable, renderPage, type ChartAssets } from './page.ts';
import { describeFaults, FAULTS_NOTE } from '../faults.ts';
import type { FaultEvent } from '../../lab/faults/fault-impact.ts';

/** What report.html reads from result.json: the summary's fields and, when the run has them, its timeline. */
export interface RunResultForHtml extends RunResultForReport {
  reason?: string;
  embedded?: boolean;
  schedule?: Record<string, string>;
  world?: Record<string, number>;
  generator: RunResultForReport['generator'] & {
    windows?: number;
    saturatedWindows?: number;
    loopDelayMaxMs?: number;
    loopDelayP99OverRunMs?: number;
  };
  /** Absent in results from before the timeline existed: the page then shows no charts over time. */
  timeline?: RunTimeline;
}

/** The generator's own figure, charted under its health, never among the target's latencies. */
const SCHEDULE_LAG = 'schedule_lag';
/** Evidence rows shown per violation kind; result.json holds them all. */
const EVIDENCE_ROWS_PER_KIND = 10;
/** Vertical lines drawn at most per chart. */
const MAX_MARKERS = 200;

const STATUS_WORDS: Record<RunStatus, string> = {
  passed: 'PASSED',
  thresholds_failed: 'FAILED: thresholds',
  aborted: 'ABORTED: a threshold failed mid-run',
  error: 'ERROR',
  interrupted: 'INTERRUPTED',
};

/**
 * report.html for a run: the verdict and why first, then where it went wrong over time. Pure:
 * result in, one self-contained HTML string out (uPlot inlined from `assets`).
 */
export function renderRunHtml(result: RunResultForHtml, assets: ChartAssets): string {
  const charts: ChartSpec[] = [];
  const timeline = result.timeline && result.timeline.atMs.length > 0 ? result.timeline : undefined;
  const markers = [...faultMarkers(result.faults), ...violationMarkers(result.violations, timeline)];
  const sections = [
    renderHeader(result),
    renderBanner(result, timeline),
    section('Thresholds', renderThresholds(result.thresholds)),
    section('Latency over time', renderLatencyOverTime(timeline, markers, charts),
      'p50, p95 and p99 of each interval, corrected for coordinated omission (docs/latency.md); dashed red lines: contract violations; dashed blue lines: faults injected and lifted (docs/faults.md).'),
    section('Latency distribution', renderDistribution(result.metrics.latencies, charts),
      'the percentile distribution of the whole run from the HDR histograms, as HdrHistogram plots it: the x axis is log scale in 1/(1-p), so p99 and p99.9 get as much room as the median.'),
    section('Throughput and users', renderThroughput(timeline, markers, charts)),
    section('Errors, disconnects and violations', renderErrors(result, timeline, markers, charts)),
    section('Contract violations', renderViolations(result.violations)),
    ...(result.faults && result.faults.length > 0 ? [section('Faults', renderFaults(result), FAULTS_NOTE)] : []),
    section('Generator health', renderGenerator(result, timeline, charts)),
    section('Counters', renderCounters(result)),
    `<footer>Written by bazaar beside result.json (every figure here), summary.md and one .hgrm per latency series. Self-contained: opens offline.</footer>`,
  ];
  return renderPage({ title: `bazaar run: ${result.scenario} — ${statusWord(result)}`, body: sections.join('\n'), charts: { specs: charts, assets } });
}

function section(title: string, body: string, note?: string): string {
  return `<section>\n<h2>${escapeHtml(title)}</h2>\n${note ? `<p class="note">${escapeHtml(note)}</p>\n` : ''}${body}\n</section>`;
}

function statusWord(result: RunResultForHtml): string {
  return STATUS_WORDS[result.status] + (result.partial ? ' (partial)' : '');
}

function renderHeader(result: RunResultForHtml): string {
  const facts: [string, string][] = [
    ['target', result.target + (result.embedded ? ' (embedded reference server)' : '')],
    ['started', result.startedAt],
    ['duration', formatMs(result.durationMs)],
  ];
  for (const [group, schedule] of Object.entries(result.schedule ?? {})) facts.push([group, schedule]);
  if (result.world) facts.push(['world', Object.entries(result.world).map(([k, n]) => `${formatCount(n)} ${k}`).join(', ')]);
  return `<h1>bazaar run: ${escapeHtml(result.scenario)}</h1>\n<p class="facts">${facts
    .map(([label, value]) => `<span><b>${escapeHtml(label)}</b> ${escapeHtml(value)}</span>`)
    .join(' ')}</p>`;
}

/** The ten-second answer: passed or not, and each reason why not, with when it went wrong. */
function renderBanner(result: RunResultForHtml, timeline: RunTimeline | undefined): string {
  const reasons: string[] = [];
  if (result.reason) reasons.push(result.reason);
  for (const threshold of result.thresholds.filter((t) => !t.passed)) {
    const worst = worstInterval(threshold, timeline);
    reasons.push(
      `threshold ${threshold.key} ${threshold.source} failed: observed ${formatObserved(threshold.observed, threshold.unit)}` +
        (threshold.reason ? ` (${threshold.reason})` : '') +
        (worst ? `; worst interval ${worst}` : ''),
    );
  }
  const violations = result.violations;
  if (violations?.checked && violations.total > 0) {
    const byKind = Object.entries(violations.counts).map(([kind, n]) => `${kind} ${formatCount(n)}`).join(', ');
    const first = violations.evidence.reduce<number | undefined>((min, v) => (min === undefined || v.atMs < min ? v.atMs : min), undefined);
    reasons.push(`the contract was violated under load: ${formatCount(violations.total)} violations (${byKind})` +
      (first === undefined ? '' : `, the first at +${formatMs(first)}`));
  }
  if (result.generator.saturated) {
    reasons.push(`the load generator was saturated, so its latencies include its own delay: ${result.generator.note ?? 'see Generator health'}`);
  }
  if (result.partial) reasons.push(`partial: the run ended early (${result.status.replace('_', ' ')}); the figures cover only the part that ran`);

  const failed = result.status !== 'passed';
  const kind = result.status === 'interrupted' ? 'warn' : failed || result.generator.saturated ? 'bad' : 'ok';
  const passedCount = result.thresholds.filter((t) => t.passed).length;
  const headline = result.generator.saturated && !failed ? 'NOT TRUSTED: generator saturated' : statusWord(result);
  const summary = [
    result.thresholds.length === 0 ? 'no thresholds' : `${passedCount} of ${result.thresholds.length} thresholds passed`,
    violations?.checked ? `${formatCount(violations.total)} contract violations` : 'contract not checked (--no-check)',
    result.generator.saturated ? 'generator saturated' : 'generator healthy',
  ].join(' · ');
  return `<div class="banner ${kind}" id="verdict" data-status="${escapeHtml(result.status)}">
<div class="verdict">${escapeHtml(headline)}</div>
<div>${escapeHtml(summary)}</div>
${reasons.length ? `<ul>${reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul>` : ''}
</div>`;
}

/** For a failed latency threshold: the interval with the highest p95 among the series it judged. */
function worstInterval(threshold: ThresholdResultForReport, timeline: RunTimeline | undefined): string | undefined {
  if (!timeline) return undefined;
  const keys = Object.keys(timeline.latencies).filter((key) => key === threshold.key || (!threshold.key.includes('{') && key.startsWith(`${threshold.key}{`)));
  let worst: { atMs: number; p95Us: number } | undefined;
  for (const key of keys) {
    timeline.latencies[key]?.p95Us.forEach((p95Us, i) => {
      if (p95Us !== null && (!worst || p95Us > worst.p95Us)) worst = { atMs: timeline.atMs[i] ?? 0, p95Us };
    });
  }
  return worst ? `p95 ${formatUs(worst.p95Us)} ending at +${formatMs(worst.atMs)}` : undefined;
}

function renderThresholds(thresholds: ThresholdResultForReport[]): string {
  if (thresholds.length === 0) return '<p class="empty">No thresholds: the run judged nothing.</p>';
  return htmlTable(
    [{ text: '' }, { text: 'metric' }, { text: 'threshold' }, { text: 'observed', className: 'num' }, { text: 'note' }],
    thresholds.map((t) => [
      { html: t.passed ? '✓ pass' : '✗ FAIL', className: t.passed ? 'pass' : 'fail' },
      { html: `<code>${escapeHtml(t.key)}</code>` },
      { html: `<code>${escapeHtml(t.source)}</code>` },
      { html: escapeHtml(formatObserved(t.observed, t.unit)), className: 'num' },
      { html: escapeHtml([t.reason, t.neverObserved?.length ? `never observed: ${t.neverObserved.join(', ')}` : undefined].filter(Boolean).join('; ')) },
    ]),
  );
}

type Markers = { atS: number; label: string; kind?: 'violation' | 'fault' }[];

/** A line where each fault was injected, and one where it was lifted. */
function faultMarkers(faults: FaultEvent[] | undefined): Markers {
  const markers: Markers = [];
  for (const f of faults ?? []) {
    if (!f.applied) continue;
    markers.push({ atS: f.atMs / 1000, label: `fault: ${f.label}`, kind: 'fault' });
    if (f.endMs > f.atMs) markers.push({ atS: f.endMs / 1000, label: `lifted: ${f.label}`, kind: 'fault' });
  }
  return markers;
}

function renderFaults(result: RunResultForHtml): string {
  const table = describeFaults(result.faults, result.faultImpact);
  if (!table) return '';
  return htmlTable(table.headers.map((text) => ({ text })), table.rows.map((row) => row.map((cell) => ({ html: escapeHtml(cell) }))));
}

/** Where violations happened: each evidence record, and each interval in which the violations counter grew. */
function violationMarkers(violations: RunViolations | undefined, timeline: RunTimeline | undefined): Markers {
  const markers: Markers = [];
  for (const v of violations?.evidence ?? []) markers.push({ atS: v.atMs / 1000, label: `${v.kind} violation` });
  if (timeline) {
    for (const [key, growth] of Object.entries(timeline.counters)) {
      if (!key.startsWith('violations')) continue;
      growth.forEach((n, i) => {
        if (n > 0) markers.push({ atS: (timeline.atMs[i] ?? 0) / 1000, label: `${formatCount(n)} ${key}` });
      });
    }
  }
  return markers.sort((a, b) => a.atS - b.atS).slice(0, MAX_MARKERS);
}

const seconds = (timeline: RunTimeline) => timeline.atMs.map((ms) => ms / 1000);
const toMs = (values: (number | null)[]) => values.map((us) => (us === null ? null : us / 1000));
const chartId = (prefix: string, index: number) => `chart-${prefix}-${index}`;

function chartCard(id: string, title: string): string {
  return `<div class="card"><h3>${escapeHtml(title)}</h3><div class="chart" id="${escapeHtml(id)}"></div></div>`;
}

function renderLatencyOverTime(timeline: RunTimeline | undefined, markers: Markers, charts: ChartSpec[]): string {
  if (!timeline) return '<p class="empty">This result has no timeline (written by a bazaar without one): see the distribution below.</p>';
  const keys = Object.keys(timeline.latencies).filter((key) => !key.startsWith(`${SCHEDULE_LAG}{`) && key !== SCHEDULE_LAG);
  if (keys.length === 0) return '<p class="empty">No latency samples recorded.</p>';
  const cards = keys.map((key, index) => {
    const series = timeline.latencies[key] as RunTimeline['latencies'][string];
    const id = chartId('latency', index);
    charts.push({
      id,
      unit: 'ms',
      x: 'seconds',
      xs: seconds(timeline),
      series: [
        { label: 'p50', values: toMs(series.p50Us) },
        { label: 'p95', values: toMs(series.p95Us) },
        { label: 'p99', values: toMs(series.p99Us) },
      ],
      markers,
    });
    return chartCard(id, key);
  });
  const merged = timeline.merged ? ' Long run: neighbouring intervals were merged, each percentile is the higher of the two merged.' : '';
  return `<p class="note">${escapeHtml(`One point per ${formatMs(timeline.intervalMs)} interval, drawn at the interval's end.${merged}`)}</p>\n<div class="grid">\n${cards.join('\n')}\n</div>`;
}

function renderDistribution(latencies: LatencySnapshot[], charts: ChartSpec[]): string {
  const series = latencies.filter((s) => s.name !== SCHEDULE_LAG && s.summary.count > 0);
  if (series.length === 0) return '<p class="empty">No latency samples recorded.</p>';
  const xs = percentileGrid(series.map((s) => s.summary.count));
  charts.push({
    id: 'chart-distribution',
    unit: 'ms',
    x: 'percentile',
    xs,
    series: series.map((s) => ({ label: s.key, values: toMs(valuesAtGrid(s.histogram, xs)) })),
  });
  const table = htmlTable(
    ['series', 'count', 'p50', 'p90', 'p95', 'p99', 'p99.9', 'max', 'uncorrected p99'].map((text, i) => ({ text, ...(i > 0 ? { className: 'num' } : {}) })),
    series.map((s) => [
      { html: `<code>${escapeHtml(s.key)}</code>` },
      { html: escapeHtml(formatCount(s.summary.count)), className: 'num' },
      ...[s.summary.p50Us, s.summary.p90Us, s.summary.p95Us, s.summary.p99Us, s.summary.p999Us, s.summary.maxUs, s.uncorrected.p99Us].map((us) => ({
        html: escapeHtml(formatUs(us)),
        className: 'num',
      })),
    ]),
  );
  return `<div class="card"><h3>latency by percentile, every series</h3><div class="chart" id="chart-distribution"></div></div>\n${table}`;
}

/** Sum of the growth of every counter series of `name` (any tags), per interval. */
function growthOf(timeline: RunTimeline, name: string): number[] {
  const total = timeline.atMs.map(() => 0);
  for (const [key, growth] of Object.entries(timeline.counters)) {
    if (key !== name && !key.startsWith(`${name}{`)) continue;
    growth.forEach((n, i) => (total[i] = (total[i] ?? 0) + n));
  }
  return total;
}

/** Samples per interval of every latency series of `name`. */
function samplesOf(timeline: RunTimeline, name: string): number[] {
  const total = timeline.atMs.map(() => 0);
  for (const [key, series] of Object.entries(timeline.latencies)) {
    if (key !== name && !key.startsWith(`${name}{`)) continue;
    series.count.forEach((n, i) => (total[i] = (total[i] ?? 0) + n));
  }
  return total;
}

/** Per-interval amounts as rates: each interval's width is the time since the one before. */
function perSecond(timeline: RunTimeline, values: number[]): number[] {
  return values.map((n, i) => {
    const widthMs = (timeline.atMs[i] ?? 0) - (i === 0 ? 0 : (timeline.atMs[i - 1] ?? 0));
    return widthMs > 0 ? Math.round((n / widthMs) * 1000 * 100) / 100 : 0;
  });
}

function renderThroughput(timeline: RunTimeline | undefined, markers: Markers, charts: ChartSpec[]): string {
  if (!timeline) return '<p class="empty">This result has no timeline.</p>';
  const xs = seconds(timeline);
  charts.push({
    id: 'chart-throughput',
    unit: 'per_s',
    x: 'seconds',
    xs,
    series: [
      { label: 'iterations/s', values: perSecond(timeline, growthOf(timeline, 'iterations')) },
      { label: 'acks/s', values: perSecond(timeline, samplesOf(timeline, 'ack')) },
      { label: 'deliveries/s', values: perSecond(timeline, samplesOf(timeline, 'delivery')) },
      { label: 'http/s', values: perSecond(timeline, samplesOf(timeline, 'http')) },
    ],
    markers,
  });
  charts.push({
    id: 'chart-users',
    unit: 'count',
    x: 'seconds',
    xs,
    series: [
      { label: 'live users (connected or connecting)', values: timeline.liveUsers },
      { label: 'VUs in an iteration (at each interval\'s end)', values: timeline.vus },
    ],
    markers,
  });
  return `<div class="grid">\n${chartCard('chart-throughput', 'throughput')}\n${chartCard('chart-users', 'active users')}\n</div>`;
}

/** Counter names charted per interval, each tag set its own series. */
const TROUBLE_COUNTERS = ['errors', 'disconnects', 'connect_errors', 'violations', 'ack_timeouts', 'delivery_timeouts', 'expect_timeouts', 'connect_timeouts', 'reconnect_failures', 'dropped_iterations', 'iterations_interrupted'];

function isTrouble(key: string): boolean {
  return TROUBLE_COUNTERS.some((name) => key === name || key.startsWith(`${name}{`));
}

function renderErrors(result: RunResultForHtml, timeline: RunTimeline | undefined, markers: Markers, charts: ChartSpec[]): string {
  const totals = result.metrics.counters.filter((c) => isTrouble(c.key) && c.value > 0).sort((a, b) => b.value - a.value || (a.key < b.key ? -1 : 1));
  if (totals.length === 0) return '<p class="empty">None: no errors, disconnects, timeouts, dropped iterations or violations.</p>';
  let chart = '';
  if (timeline) {
    const keys = Object.keys(timeline.counters).filter(isTrouble).sort();
    if (keys.length > 0) {
      charts.push({
        id: 'chart-errors',
        unit: 'count',
        x: 'seconds',
        xs: seconds(timeline),
        series: keys.map((key) => ({ label: key, values: timeline.counters[key] ?? [] })),
        markers,
        bars: keys.length === 1,
      });
      chart = `${chartCard('chart-errors', 'per interval, by code and reason')}\n`;
    }
  }
  const table = htmlTable(
    [{ text: 'counter' }, { text: 'total', className: 'num' }],
    totals.map((c) => [{ html: `<code>${escapeHtml(c.key)}</code>` }, { html: escapeHtml(formatCount(c.value)), className: 'num' }]),
  );
  return `${chart}${table}`;
}

function renderViolations(violations: RunViolations | undefined): string {
  if (!violations) return '<p class="empty">This result predates online checking.</p>';
  if (!violations.checked) return '<p class="empty">Not checked (--no-check): the counts say nothing.</p>';
  if (violations.total === 0) return `<p>None (checked: ${escapeHtml(violations.kinds.join(', '))}).</p>`;
  const kinds = Object.keys(violations.counts).sort();
  const counts = htmlTable(
    [{ text: 'kind' }, { text: 'count', className: 'num' }],
    kinds.map((kind) => [{ html: `<code>${escapeHtml(kind)}</code>` }, { html: escapeHtml(formatCount(violations.counts[kind] ?? 0)), className: 'num' }]),
  );
  const rows = kinds.flatMap((kind) => violations.evidence.filter((v) => v.kind === kind).slice(0, EVIDENCE_ROWS_PER_KIND));
  const evidence = htmlTable(
    ['kind', 'at', 'user', 'socket', 'room', 'expected', 'observed'].map((text) => ({ text, ...(text === 'at' ? { className: 'num' } : {}) })),
    rows.map((v) => [
      { html: escapeHtml(v.kind) },
      { html: escapeHtml(`+${formatMs(v.atMs)}`), className: 'num' },
      { html: escapeHtml(v.user), className: 'evidence' },
      { html: escapeHtml(v.connection ?? ''), className: 'evidence' },
      { html: escapeHtml(v.room), className: 'evidence' },
      { html: escapeHtml(v.expected), className: 'evidence' },
      { html: escapeHtml(v.observed), className: 'evidence' },
    ]),
  );
  return `${counts}\n<p class="note">${escapeHtml(`The first ${EVIDENCE_ROWS_PER_KIND} of each kind (result.json keeps ${violations.evidencePerKind}), as they happened:`)}</p>\n${evidence}`;
}

function renderGenerator(result: RunResultForHtml, timeline: RunTimeline | undefined, charts: ChartSpec[]): string {
  const g = result.generator;
  const rows: [string, string][] = [
    ['verdict', g.saturated ? 'SATURATED: its latencies include its own delay' : 'healthy'],
    ['event-loop delay p99, worst one-second window', formatMs(g.loopDelayP99Ms)],
    ...(g.loopDelayP99OverRunMs === undefined ? [] : [['event-loop delay p99, whole run', formatMs(g.loopDelayP99OverRunMs)] as [string, string]]),
    ...(g.loopDelayMaxMs === undefined ? [] : [['event-loop delay max', formatMs(g.loopDelayMaxMs)] as [string, string]]),
    ...(g.windows === undefined ? [] : [['saturated windows', `${formatCount(g.saturatedWindows ?? 0)} of ${formatCount(g.windows)}`] as [string, string]]),
    ['CPU', formatPercent(g.cpuPercent)],
    ...(g.scheduleLagP99Ms === undefined ? [] : [['schedule lag p99 (how late arrivals started)', formatMs(g.scheduleLagP99Ms)] as [string, string]]),
    ...(g.note ? [['note', g.note] as [string, string]] : []),
  ];
  const table = htmlTable(
    [{ text: 'figure' }, { text: 'value' }],
    rows.map(([label, value], i) => [{ html: escapeHtml(label) }, { html: escapeHtml(value), ...(i === 0 ? { className: g.saturated ? 'fail' : 'pass' } : {}) }]),
  );
  const lagKeys = timeline ? Object.keys(timeline.latencies).filter((key) => key === SCHEDULE_LAG || key.startsWith(`${SCHEDULE_LAG}{`)) : [];
  if (!timeline || lagKeys.length === 0) return table;
  charts.push({
    id: 'chart-schedule-lag',
    unit: 'ms',
    x: 'seconds',
    xs: seconds(timeline),
    series: lagKeys.map((key) => ({ label: `${key} p99`, values: toMs(timeline.latencies[key]?.p99Us ?? []) })),
  });
  return `${table}\n<div class="grid">${chartCard('chart-schedule-lag', 'schedule lag p99 per interval (the generator, not the target)')}</div>`;
}

function renderCounters(result: RunResultForHtml): string {
  const counters = result.metrics.counters;
  if (counters.length === 0) return '<p class="empty">None.</p>';
  return htmlTable(
    [{ text: 'counter' }, { text: 'value', className: 'num' }],
    counters.map((c) => [{ html: `<code>${escapeHtml(c.key)}</code>` }, { html: escapeHtml(formatCount(c.value)), className: 'num' }]),
  );
}
