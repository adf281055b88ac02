import { describe, expect, it } from 'vitest';
import { createMetricsRegistry, type MetricsSnapshot } from '../metrics/index.ts';
import { renderSummaryMarkdown, renderSummaryText, type RunResultForReport } from './summary.ts';

const MS = 1_000;

function sampleMetrics(options: { stalls: boolean }): MetricsSnapshot {
  const metrics = createMetricsRegistry();
  const ack = metrics.latency('ack', { event: 'message:send' });
  for (let i = 0; i < 1_000; i++) {
    const intendedStartUs = i * 10 * MS;
    // every 10th action starts 400 ms late: the corrected tail sees it, the uncorrected does not
    const actualStartUs = intendedStartUs + (options.stalls && i % 10 === 0 ? 400 * MS : 0);
    ack.record(actualStartUs, actualStartUs + 2 * MS + (i % 50) * 100, intendedStartUs);
  }
  for (let i = 1; i <= 200; i++) metrics.latency('delivery', { event: 'message:new' }).recordValueUs(i * 10);
  metrics.counter('errors', { code: 'RATE_LIMITED' }).add(12);
  metrics.counter('errors', { code: 'FORBIDDEN' }).add(2);
  metrics.counter('ack_timeouts', { event: 'message:send' }).add(3);
  metrics.counter('disconnects', { reason: 'ping timeout' }).add(1);
  metrics.counter('disconnects', { reason: 'transport close' }).add(4);
  metrics.counter('dropped_iterations').add(5);
  return metrics.snapshot();
}

function result(change: Partial<RunResultForReport> = {}): RunResultForReport {
  return {
    scenario: 'booking-chat',
    target: 'http://127.0.0.1:3000',
    startedAt: '2026-05-01T10:00:00.000Z',
    durationMs: 30_000,
    partial: false,
    status: 'thresholds_failed',
    generator: { saturated: false, loopDelayP99Ms: 1.2, cpuPercent: 35 },
    thresholds: [
      { key: 'ack{event:message:send}', source: 'p(95)<150ms', passed: true, observed: 12.34, unit: 'ms' },
      { key: 'errors', source: 'count==0', passed: false, observed: 14, unit: 'none', reason: '14 errors, limit 0' },
      { key: 'presence', source: 'p(99)<1s', passed: false, observed: undefined, unit: 's', reason: 'no series matched presence' },
    ],
    metrics: sampleMetrics({ stalls: false }),
    ...change,
  };
}

const renderers = [
  ['text', renderSummaryText],
  ['markdown', renderSummaryMarkdown],
] as const;

describe.each(renderers)('%s summary', (_format, render) => {
  it('names the scenario, target, duration and status', () => {
    const text = render(result());
    for (const pattern of [/booking-chat/, /http:\/\/127\.0\.0\.1:3000/, /2026-05-01T10:00:00\.000Z/, /30\.0 s/, /THRESHOLDS FAILED/]) {
      expect(text).toMatch(pattern);
    }
  });

  it('has one latency row per series with count, p50, p95, p99 and max in human units', () => {
    const text = render(result());
    expect(text).toMatch(/ack\{event:message:send\}`?\s*\|?\s*1,000(\s*\|?\s*\d+(\.\d+)? ms){4}/);
    expect(text).toMatch(/delivery\{event:message:new\}`?\s*\|?\s*200\s*\|?\s*1\.00 ms\s*\|?\s*1\.90 ms\s*\|?\s*1\.98 ms\s*\|?\s*2\.00 ms/);
  });

  it('shows uncorrected p95/p99 only when coordinated omission made them differ', () => {
    expect(render(result())).not.toMatch(/uncorrected/);
    const text = render(result({ metrics: sampleMetrics({ stalls: true }) }));
    expect(text).toMatch(/uncorrected p95\s*\|?\s*uncorrected p99/);
    // corrected p95 is in the stalled tail (~400 ms), uncorrected stays at a few ms
    expect(text).toMatch(/ack\{event:message:send\}.*\b4\d\d ms.*\b[5-7]\.\d\d ms/);
    expect(text).toMatch(/coordinated omission/);
  });

  it('says what the figures are measured from when nothing differs too', () => {
    expect(render(result())).toMatch(/measured from each step's actual start: no step waited behind a stalled one/);
    const text = render(result({ metrics: sampleMetrics({ stalls: true }) }));
    expect(text).toMatch(/corrected for coordinated omission: a step that waited behind a stalled step of the same user, or an arrival that waited for a free VU/);
  });

  it('shows schedule lag on the generator line, never among the target\'s latencies', () => {
    const metrics = createMetricsRegistry();
    metrics.latency('ack').recordValueUs(800);
    metrics.latency('schedule_lag', { group: 'default' }).recordValueUs(400);
    const text = render(result({ metrics: metrics.snapshot(), generator: { saturated: false, loopDelayP99Ms: 1.2, cpuPercent: 35, scheduleLagP99Ms: 0.4 } }));
    expect(text).toMatch(/generator: event-loop delay p99 1\.20 ms, schedule lag p99 400 µs \(how late arrivals started; not in the latencies\), CPU 35\.0%/);
    expect(text).not.toMatch(/schedule_lag/);
  });

  it('lists counters with totals and their breakdown by tag, largest first', () => {
    const text = render(result());
    expect(text).toMatch(/errors`?\s*\|?\s*14\b/);
    expect(text).toMatch(/code:RATE_LIMITED}?`?\s*\|?\s*12\b[\s\S]*code:FORBIDDEN}?`?\s*\|?\s*2\b/);
    expect(text).toMatch(/ack_timeouts`?\s*\|?\s*3\b/);
    expect(text).toMatch(/disconnects`?\s*\|?\s*5\b[\s\S]*reason:transport close}?`?\s*\|?\s*4\b[\s\S]*reason:ping timeout/);
    expect(text).toMatch(/dropped_iterations`?\s*\|?\s*5\b/);
  });

  it('marks thresholds ✓ and ✗ with observed values in the unit written', () => {
    const text = render(result());
    expect(text).toMatch(/✓\s*\|?\s*`?ack\{event:message:send\}`?\s*\|?\s*`?p\(95\)<150ms`?\s*\|?\s*12\.3 ms/);
    expect(text).toMatch(/✗\s*\|?\s*`?errors`?\s*\|?\s*`?count==0`?\s*\|?\s*14\s*\|?\s*14 errors, limit 0/);
    expect(text).toMatch(/✗\s*\|?\s*`?presence`?.*no data.*no series matched presence/);
    expect(text).toMatch(/1 of 3 thresholds passed/);
  });

  it('says "never observed" next to a threshold whose tag value no series carried, passed or not', () => {
    const text = render(result({
      thresholds: [
        { key: 'errors{code:internl}', source: 'count==0', passed: true, observed: 0, unit: 'none', neverObserved: ['code:internl'] },
        { key: 'ack{event:mesage:send}', source: 'p(95)<1s', passed: false, observed: undefined, unit: 's', reason: 'no samples', neverObserved: ['event:mesage:send'] },
      ],
    }));
    expect(text).toMatch(/✓\s*\|?\s*`?errors\{code:internl\}`?\s*\|?\s*`?count==0`?\s*\|?\s*0\s*\|?\s*never observed: code:internl/);
    expect(text).toMatch(/✗.*ack\{event:mesage:send\}.*no samples; never observed: event:mesage:send/);
    expect(render(result())).not.toMatch(/never observed/);
  });

  it('says loudly when the generator was saturated', () => {
    const calm = render(result());
    expect(calm).not.toMatch(/SATURATED/);
    expect(calm).toMatch(/generator: event-loop delay p99 1\.20 ms, CPU 35\.0%/);
    const text = render(result({ generator: { saturated: true, loopDelayP99Ms: 123.4, cpuPercent: 98.2, note: 'lower the load' } }));
    expect(text).toMatch(/GENERATOR SATURATED.*event-loop delay p99 123 ms, CPU 98\.2%.*generator's own delay.*lower the load/);
  });

  it('says PARTIAL when the run stopped early', () => {
    expect(render(result())).not.toMatch(/PARTIAL/);
    const text = render(result({ partial: true, status: 'interrupted' }));
    expect(text).toMatch(/INTERRUPTED \(PARTIAL\)/);
    expect(text).toMatch(/PARTIAL: the run ended early \(interrupted\)/);
  });

  it.each([
    ['passed', 'PASSED'],
    ['aborted', 'ABORTED'],
    ['error', 'ERROR'],
  ] as const)('names status %s as %s', (status, word) => {
    expect(render(result({ status }))).toMatch(new RegExp(`\\b${word}\\b`));
  });

  it('renders a run with no metrics and no thresholds', () => {
    const text = render(result({ metrics: { latencies: [], counters: [] }, thresholds: [], status: 'error' }));
    expect(text).toMatch(/no latency samples recorded/i);
    expect(text).toMatch(/Thresholds[\s\S]*none/i);
    expect(text).not.toMatch(/undefined|NaN/);
  });
});

describe('renderSummaryMarkdown', () => {
  it('writes markdown tables under headings', () => {
    const text = renderSummaryMarkdown(result({ metrics: sampleMetrics({ stalls: true }) }));
    expect(text).toMatch(/^# bazaar run: booking-chat$/m);
    expect(text).toMatch(/^## Latency\n\n\| series \| count \| p50 \| p95 \| p99 \| max \| uncorrected p95 \| uncorrected p99 \|\n\|---\|(---:\|){7}$/m);
    expect(text).toMatch(/^## Counters\n\n\| counter \| value \|$/m);
    expect(text).toMatch(/^## Thresholds\n\n\|/m);
  });

  it('escapes pipes in tag values so a table row stays one row', () => {
    const metrics = createMetricsRegistry();
    metrics.counter('errors', { code: 'A|B' }).add();
    const text = renderSummaryMarkdown(result({ metrics: metrics.snapshot() }));
    expect(text).toMatch(/\| `errors\{code:A\\\|B\}` \| 1 \|/);
  });
});

describe('renderSummaryText', () => {
  it('keeps table columns aligned', () => {
    const lines = renderSummaryText(result()).split('\n');
    const header = lines.find((line) => /^\s+series\s+count/.test(line)) ?? '';
    const row = lines.find((line) => /^\s+delivery/.test(line)) ?? '';
    expect(row.length).toBe(header.length);
  });
});

describe.each(renderers)('%s summary of online checking', (_format, render) => {
  const found = {
    checked: true,
    kinds: ['order', 'versions', 'loss'],
    total: 7,
    counts: { order: 5, loss: 2 },
    evidence: [
      ...[1, 2, 3, 4].map((i) => ({
        kind: 'order' as const, user: `b${i}`, connection: `sid${i}`, room: 'booking:bk1', expected: 'seq > 9', observed: `seq ${i} after 9`, atMs: 100 * i,
      })),
      { kind: 'loss' as const, user: 's1', connection: 'sidS', room: 'booking:bk2', expected: 'message:new (clientMsgId c1, acked)', observed: 'not received within 500 ms', atMs: 900 },
    ],
    evidencePerKind: 10,
  };

  it('counts violations per kind, warns, and shows the first evidence of each kind', () => {
    const text = render(result({ violations: found }));
    expect(text).toMatch(/CONTRACT VIOLATED under load: 7 violations \(order 5, loss 2\)/);
    expect(text).toMatch(/Violations[\s\S]*order`?\s*\|?\s*5[\s\S]*Thresholds/);
    expect(text).toContain('order: b1 (socket sid1) in booking:bk1 at +100 ms: expected seq > 9, observed seq 1 after 9');
    expect(text).toContain('order: b3 (socket sid3)');
    expect(text).not.toContain('order: b4 (socket sid4)');
    expect(text).toContain('loss: s1 (socket sidS) in booking:bk2 at +900 ms: expected message:new (clientMsgId c1, acked), observed not received within 500 ms');
  });

  it('says none were found, and what was checked', () => {
    const text = render(result({ violations: { ...found, total: 0, counts: {}, evidence: [] } }));
    expect(text).toMatch(/none \(checked: order, versions, loss\)/);
    expect(text).not.toMatch(/CONTRACT VIOLATED/);
  });

  it('says when nothing was checked (--no-check)', () => {
    const text = render(result({ violations: { checked: false, kinds: [], total: 0, counts: {}, evidence: [], evidencePerKind: 0 } }));
    expect(text).toMatch(/Violations[\s\S]*not checked \(--no-check\)/);
  });
});
