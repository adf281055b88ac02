import { describe, expect, it } from 'vitest';
import { createMetricsRegistry, createTimeline, type RunTimeline } from '../../metrics/index.ts';
import type { ChartSpec } from './charts-script.ts';
import { renderRunHtml, type RunResultForHtml } from './run-html.ts';
import { loadChartAssets } from '../write-report.ts';

/** What a hostile or careless target could put in a string the report shows. */
const HOSTILE = '<img src=x onerror="alert(1)"></script><!--&\u2028';
const FAKE_ASSETS = { uplotJs: 'window.uPlot = function () {};', uplotCss: '.uplot {}' };

/** A run recorded by a real registry and timeline, with target-controlled strings in every place they reach. */
function sampleRun(change: Partial<RunResultForHtml> = {}): RunResultForHtml {
  const metrics = createMetricsRegistry();
  const timeline = createTimeline({ intervalMs: 1_000 });
  const ack = metrics.latency('ack', { event: 'message:send' });
  const weird = metrics.latency('ack', { event: HOSTILE });
  for (let second = 1; second <= 5; second++) {
    for (let i = 1; i <= 100; i++) ack.recordValueUs(i * 100 * second);
    weird.recordValueUs(5_000);
    metrics.counter('iterations', { group: 'chat' }).add(100);
    if (second === 3) metrics.counter('disconnects', { reason: HOSTILE }).add(2);
    if (second === 4) metrics.counter('violations', { kind: 'order' }).add(3);
    timeline.add({ atMs: second * 1_000, vus: 4, liveUsers: 8, latencies: metrics.windowLatencies(), counters: metrics.counterValues() });
  }
  return {
    scenario: `chat ${HOSTILE}`,
    target: 'http://127.0.0.1:3000',
    startedAt: '2026-05-01T10:00:00.000Z',
    durationMs: 5_000,
    partial: false,
    status: 'thresholds_failed',
    generator: { saturated: false, loopDelayP99Ms: 1.2, cpuPercent: 35 },
    thresholds: [
      { key: 'ack{event:message:send}', source: 'p(95)<20ms', passed: false, observed: 47.5, unit: 'ms' },
      { key: 'errors', source: 'count==0', passed: true, observed: 0, unit: 'none' },
    ],
    violations: {
      checked: true,
      kinds: ['order', 'versions', 'loss'],
      total: 3,
      counts: { order: 3 },
      evidence: [{ kind: 'order', user: `u1 ${HOSTILE}`, connection: HOSTILE, room: `booking:${HOSTILE}`, expected: 'seq 4', observed: HOSTILE, atMs: 3_500 }],
      evidencePerKind: 10,
    },
    metrics: metrics.snapshot(),
    timeline: timeline.snapshot(),
    ...change,
  };
}

function chartSpecs(html: string): ChartSpec[] {
  const json = /<script id="bazaar-charts" type="application\/json">(.*?)<\/script>/s.exec(html)?.[1];
  if (json === undefined) throw new Error('no chart data in the page');
  return JSON.parse(json) as ChartSpec[];
}

/** The page's text with the chart data and scripts taken out: what the browser parses as HTML. */
function markup(html: string): string {
  return html.replace(/<script\b[^>]*>.*?<\/script>/gs, '');
}

describe('renderRunHtml', () => {
  it('escapes every string from the target: no element, attribute or comment of theirs reaches the page', () => {
    const html = renderRunHtml(sampleRun(), FAKE_ASSETS);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('onerror="');
    expect(markup(html)).not.toContain('<!--');
    // the only </script> are the ones closing the page's own three scripts
    expect(html.match(/<\/script>/g)).toHaveLength(3);
    expect(markup(html)).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&lt;/script&gt;&lt;!--&amp;');
    // the evidence row, the disconnect reason and the scenario name are all there, escaped
    expect(markup(html)).toContain('booking:&lt;img');
    expect(markup(html)).toContain('disconnects{reason:&lt;img');
    expect(markup(html)).toContain('<h1>bazaar run: chat &lt;img');
  });

  it('carries the chart data as JSON that reads back exactly, hostile labels included', () => {
    const specs = chartSpecs(renderRunHtml(sampleRun(), FAKE_ASSETS));
    const weird = specs.find((spec) => spec.series.some((s) => s.label === `ack{event:${HOSTILE}}`));
    expect(weird?.id).toBe('chart-distribution');
    const errors = specs.find((spec) => spec.id === 'chart-errors');
    expect(errors?.series.map((s) => s.label)).toEqual([`disconnects{reason:${HOSTILE}}`, 'violations{kind:order}']);
    expect(errors?.series[0]?.values).toEqual([0, 0, 2, 0, 0]);
  });

  it('opens with the verdict and why: each failed threshold with its worst interval, and the violations', () => {
    const html = renderRunHtml(sampleRun(), FAKE_ASSETS);
    const banner = /<div class="banner bad" id="verdict" data-status="thresholds_failed">(.*?)<\/div>\n<\/div>/s.exec(html)?.[1] ?? '';
    expect(banner).toContain('FAILED: thresholds');
    expect(banner).toContain('1 of 2 thresholds passed');
    expect(banner).toMatch(/threshold ack\{event:message:send\} p\(95\)&lt;20ms failed: observed 47\.5 ms; worst interval p95 \d+(\.\d+)? ms ending at \+5\.00 s/);
    expect(banner).toContain('3 violations (order 3), the first at +3.50 s');
    // the banner comes before everything else in the body
    expect(html.indexOf('id="verdict"')).toBeLessThan(html.indexOf('<h2>'));
  });

  it('draws p50, p95 and p99 over time for each latency series, with violations marked where they happened', () => {
    const specs = chartSpecs(renderRunHtml(sampleRun(), FAKE_ASSETS));
    const html = renderRunHtml(sampleRun(), FAKE_ASSETS);
    const overTime = specs.filter((spec) => spec.id.startsWith('chart-latency-'));
    expect(overTime).toHaveLength(2);
    const id = /<h3>ack\{event:message:send\}<\/h3><div class="chart" id="(chart-latency-\d+)">/.exec(html)?.[1];
    const send = overTime.find((spec) => spec.id === id) as ChartSpec;
    expect(send.xs).toEqual([1, 2, 3, 4, 5]);
    expect(send.series.map((s) => s.label)).toEqual(['p50', 'p95', 'p99']);
    // each second's p95 grows with the second (i * 100 µs * second)
    const p95 = send.series[1]?.values as number[];
    expect(p95.every((ms, i) => i === 0 || ms > (p95[i - 1] as number))).toBe(true);
    expect(send.markers?.map((m) => m.atS)).toEqual([3.5, 4]);
  });

  it('marks each fault where it was injected and lifted, and lists what each cost', () => {
    const faults = [{ kind: 'freeze-node', label: `freeze-node 1 at 2s for 1s`, atMs: 2_000, endMs: 3_000, applied: true, detail: `node 1 pid 7 ${HOSTILE}` }];
    const faultImpact = [{
      label: 'freeze-node 1 at 2s for 1s', atMs: 2_000, endMs: 3_000, windowEndMs: 5_000, violations: { order: 3 }, disconnects: {}, errors: {},
      reconnects: 0, reconnectFailures: 0, deliveryTimeouts: 0, connectErrors: 0, baselineP99Us: 1_000, worstP99Us: 900_000, recovered: true, recoveredAtMs: 4_000, timeToRecoverMs: 1_000,
    }];
    const html = renderRunHtml(sampleRun({ faults, faultImpact }), FAKE_ASSETS);
    const send = chartSpecs(html).find((spec) => spec.id.startsWith('chart-latency-')) as ChartSpec;
    expect(send.markers?.filter((m) => m.kind === 'fault').map((m) => [m.atS, m.label])).toEqual([
      [2, 'fault: freeze-node 1 at 2s for 1s'], [3, 'lifted: freeze-node 1 at 2s for 1s']]);
    const section = /<h2>Faults<\/h2>(.*?)<\/section>/s.exec(markup(html))?.[1] ?? '';
    expect(section).toMatch(/freeze-node 1 at 2s for 1s.*order 3/s);
    expect(section).not.toContain('<img');
  });

  it('draws the percentile distribution on the HdrHistogram axis, throughput, users and the thresholds table', () => {
    const run = sampleRun();
    const html = renderRunHtml(run, FAKE_ASSETS);
    const specs = chartSpecs(html);
    const distribution = specs.find((spec) => spec.id === 'chart-distribution');
    expect(distribution?.x).toBe('percentile');
    expect(distribution?.xs[0]).toBe(1);
    // 500 samples: the axis reaches past 1/(1-p) = 500, that is past p99.8
    expect(distribution?.xs.at(-1)).toBeGreaterThan(500);
    const send = distribution?.series.find((s) => s.label === 'ack{event:message:send}')?.values ?? [];
    expect(send.at(-1)).toBeCloseTo((run.metrics.latencies.find((s) => s.key === 'ack{event:message:send}')?.summary.maxUs ?? 0) / 1000, 0);
    const throughput = specs.find((spec) => spec.id === 'chart-throughput');
    expect(throughput?.series.find((s) => s.label === 'iterations/s')?.values).toEqual([100, 100, 100, 100, 100]);
    expect(specs.find((spec) => spec.id === 'chart-users')?.series.map((s) => s.values)).toEqual([[8, 8, 8, 8, 8], [4, 4, 4, 4, 4]]);
    expect(html).toMatch(/<td class="fail">✗ FAIL<\/td><td><code>ack\{event:message:send\}<\/code><\/td><td><code>p\(95\)&lt;20ms<\/code><\/td><td class="num">47\.5 ms<\/td>/);
    expect(html).toMatch(/<td class="pass">✓ pass<\/td><td><code>errors<\/code><\/td>/);
  });

  it('says a passed run passed, and that a saturated generator makes its figures untrustworthy', () => {
    const passed = sampleRun({ status: 'passed', thresholds: [], violations: { checked: true, kinds: ['order'], total: 0, counts: {}, evidence: [], evidencePerKind: 10 } });
    expect(renderRunHtml(passed, FAKE_ASSETS)).toMatch(/<div class="banner ok"[^>]*>\n<div class="verdict">PASSED<\/div>/);
    const saturated = renderRunHtml({ ...passed, generator: { saturated: true, loopDelayP99Ms: 120, cpuPercent: 99, note: 'its event-loop delay p99 exceeded 50 ms' } }, FAKE_ASSETS);
    expect(saturated).toMatch(/<div class="banner bad"[^>]*>\n<div class="verdict">NOT TRUSTED: generator saturated<\/div>/);
    expect(saturated).toContain('its event-loop delay p99 exceeded 50 ms');
  });

  it('reads a result.json from before the timeline: the distribution still, and says what is missing', () => {
    const { timeline: _dropped, ...old } = sampleRun();
    const html = renderRunHtml(old, FAKE_ASSETS);
    expect(html).toContain('This result has no timeline');
    expect(chartSpecs(html).map((spec) => spec.id)).toEqual(['chart-distribution']);
  });

  it('inlines the real uPlot and fetches nothing: no src or href leaves the page', () => {
    const html = renderRunHtml(sampleRun(), loadChartAssets());
    expect(html).toContain('uPlot');
    expect(html.length).toBeGreaterThan(50_000);
    expect(markup(html)).not.toMatch(/\b(src|href)\s*=\s*["']?(https?:|\/\/)/i);
    expect(html).toContain(`default-src 'none'`);
  });

  it('marks merged intervals of a long run as upper bounds', () => {
    const timeline: RunTimeline = { ...(sampleRun().timeline as RunTimeline), merged: true, intervalMs: 4_000 };
    expect(renderRunHtml(sampleRun({ timeline }), FAKE_ASSETS)).toMatch(/One point per 4\.00 s interval, drawn at the interval&#39;s end\. Long run: neighbouring intervals were merged/);
  });
});
