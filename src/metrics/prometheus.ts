import type { Histogram, JsHistogram } from 'hdr-histogram-js';
import { summarize } from './histogram.ts';
import type { Tags } from './tags.ts';

/* The Prometheus text exposition format (version 0.0.4) of a running generator's metrics, written
 * by hand from the live histograms: every latency series is a histogram (cumulative buckets, for
 * windowed percentiles with rate() and histogram_quantile()) and a summary of the run so far
 * (quantiles from the full HDR distribution); every counter a counter; the gauges as given. */

/** Bucket bounds in seconds: 1 ms to 10 s, where socket round trips live. */
export const BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;
const QUANTILES = [[0.5, 'p50Us'], [0.9, 'p90Us'], [0.95, 'p95Us'], [0.99, 'p99Us']] as const;

export interface LiveMetrics {
  latencies: { name: string; tags: Tags; histogram: Histogram }[];
  counters: { name: string; tags: Tags; value(): number }[];
  gauges: { name: string; help: string; value: number; tags?: Tags }[];
}

const HELP: Record<string, string> = {
  connect: 'time to connect a socket (handshake to connected)',
  reconnect: 'time to reconnect a dropped socket',
  ack: 'acknowledgement round trip of a client event, by event',
  delivery: 'time from a send to its arrival at another user, by event and room size',
  http: 'HTTP API round trip, by route',
  iteration: 'one iteration of a group',
  schedule_lag: 'how late the generator started an arrival (the generator itself, not the target)',
};

/** Render the exposition. Metric names: `bazaar_<name>_seconds` (latencies), `bazaar_<name>_total` (counters), `bazaar_<name>` (gauges). */
export function renderPrometheus(live: LiveMetrics): string {
  const lines: string[] = [];
  for (const [name, series] of groupBy(live.latencies)) {
    const metric = `bazaar_${sanitize(name)}_seconds`;
    const help = HELP[name] ?? `${name} latency`;
    lines.push(`# HELP ${metric} ${help} (corrected for coordinated omission), in seconds`, `# TYPE ${metric} histogram`);
    for (const s of series) {
      const { buckets, count, sumUs } = bucketCounts(s.histogram);
      BUCKETS_SECONDS.forEach((le, i) => lines.push(`${metric}_bucket${labels({ ...s.tags, le: String(le) })} ${buckets[i]}`));
      lines.push(`${metric}_bucket${labels({ ...s.tags, le: '+Inf' })} ${count}`);
      lines.push(`${metric}_sum${labels(s.tags)} ${seconds(sumUs)}`, `${metric}_count${labels(s.tags)} ${count}`);
    }
    const summaryMetric = `bazaar_${sanitize(name)}_run_seconds`;
    lines.push(`# HELP ${summaryMetric} ${help}: quantiles over the whole run so far, from the HDR histogram`, `# TYPE ${summaryMetric} summary`);
    for (const s of series) {
      const summary = summarize(s.histogram);
      for (const [q, field] of QUANTILES) lines.push(`${summaryMetric}${labels({ ...s.tags, quantile: String(q) })} ${seconds(summary[field])}`);
      lines.push(`${summaryMetric}_sum${labels(s.tags)} ${seconds(summary.meanUs * summary.count)}`, `${summaryMetric}_count${labels(s.tags)} ${summary.count}`);
    }
  }
  for (const [name, series] of groupBy(live.counters)) {
    const metric = `bazaar_${sanitize(name)}_total`;
    lines.push(`# HELP ${metric} ${name} so far in this run`, `# TYPE ${metric} counter`);
    for (const s of series) lines.push(`${metric}${labels(s.tags)} ${s.value()}`);
  }
  for (const gauge of live.gauges) {
    const metric = `bazaar_${sanitize(gauge.name)}`;
    lines.push(`# HELP ${metric} ${gauge.help}`, `# TYPE ${metric} gauge`, `${metric}${labels(gauge.tags ?? {})} ${gauge.value}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Cumulative counts at each bound, in one walk over the histogram's counts. */
function bucketCounts(histogram: Histogram): { buckets: number[]; count: number; sumUs: number } {
  const h = histogram as unknown as JsHistogram;
  const count = h.totalCount;
  const buckets = BUCKETS_SECONDS.map(() => 0);
  if (count === 0) return { buckets, count, sumUs: 0 };
  const boundIndexes = BUCKETS_SECONDS.map((le) => h.countsArrayIndex(Math.round(le * 1_000_000)));
  const lastIndex = h.countsArrayIndex(h.maxValue);
  let seen = 0;
  let sumUs = 0;
  let bound = 0;
  for (let index = 0; index <= lastIndex && index < h.countsArrayLength; index++) {
    while (bound < boundIndexes.length && index > (boundIndexes[bound] as number)) buckets[bound++] = seen;
    const atIndex = h.getCountAtIndex(index);
    if (atIndex === 0) continue;
    seen += atIndex;
    sumUs += h.valueFromIndex(index) * atIndex;
  }
  while (bound < boundIndexes.length) buckets[bound++] = seen;
  return { buckets, count, sumUs };
}

function groupBy<T extends { name: string }>(series: T[]): Map<string, T[]> {
  const byName = new Map<string, T[]>();
  for (const s of [...series].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
  return byName;
}

const seconds = (us: number) => String(us / 1_000_000);
const sanitize = (name: string) => name.replace(/[^a-zA-Z0-9_]/g, '_');
const escape = (value: string) => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

function labels(tags: Tags): string {
  const keys = Object.keys(tags);
  if (keys.length === 0) return '';
  return `{${keys.map((key) => `${sanitize(key)}="${escape(tags[key] as string)}"`).join(',')}}`;
}
