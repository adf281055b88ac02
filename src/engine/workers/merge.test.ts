import { describe, expect, it } from 'vitest';
import { createViolationLog, NOT_CHECKED, type ViolationRecord } from '../../checks/violations.ts';
import { createMetricsRegistry, decodeHistogram, querySnapshot, type MetricsRegistry } from '../../metrics/index.ts';
import { judgeGeneratorHealth } from '../generator-health.ts';
import { mergeGeneratorHealth, mergeViolations, mergeWorkerReports } from './merge.ts';
import type { WorkerReport } from './protocol.ts';

/** Known samples: a deterministic spread from 40 µs to ~2 s, with counters. */
function record(metrics: MetricsRegistry, samples: number[]): void {
  for (const i of samples) {
    metrics.latency('ack', { event: i % 3 ? 'message:send' : 'bid' }).recordValueUs(40 + ((i * 7_919) % 2_000_000));
    metrics.counter('iterations', { group: 'chat' }).add();
    if (i % 7 === 0) metrics.counter('errors', { code: 'TIMEOUT' }).add();
  }
}

const healthy = judgeGeneratorHealth([{ loopDelayP99Ms: 2, loopDelayMaxMs: 5, cpuPercent: 40 }]);
const report = (worker: number, metrics: MetricsRegistry, extra: Partial<WorkerReport> = {}): WorkerReport => ({
  worker, final: false, elapsedMs: 1_000, metrics: metrics.snapshot(), violations: NOT_CHECKED, generator: healthy, vus: 2, liveUsers: 3, ...extra,
});

describe('mergeWorkerReports', () => {
  const all = Array.from({ length: 5_000 }, (_, i) => i);
  const whole = createMetricsRegistry();
  record(whole, all);
  const a = createMetricsRegistry();
  record(a, all.filter((i) => i % 3 === 0));
  const b = createMetricsRegistry();
  record(b, all.filter((i) => i % 3 === 1));
  const c = createMetricsRegistry();
  record(c, all.filter((i) => i % 3 === 2));

  it('merges histograms from their encodings into the histogram of all samples, and sums counters', () => {
    const merged = mergeWorkerReports([report(0, a), report(1, b), report(2, c)]);
    expect(merged.metrics).toEqual(whole.snapshot());
    const ack = merged.metrics.latencies.find((l) => l.key === 'ack{event:message:send}');
    const direct = whole.latency('ack', { event: 'message:send' });
    expect(decodeHistogram(ack?.histogram ?? '').getValueAtPercentile(99)).toBe(direct.percentileUs(99));
    expect(merged.metrics.counters.find((k) => k.key === 'iterations{group:chat}')?.value).toBe(5_000);
    expect(merged.vus).toBe(6);
    expect(merged.liveUsers).toBe(9);
  });

  it('answers threshold queries on the merged figures as the one registry would', () => {
    const queries = querySnapshot(mergeWorkerReports([report(0, a), report(1, b), report(2, c)]).metrics);
    for (const p of [50, 95, 99, 99.9]) expect(queries.queryLatency('ack')?.percentileUs(p)).toBe(whole.queryLatency('ack')?.percentileUs(p));
    expect(queries.queryLatency('ack', { event: 'bid' })?.summary).toEqual(whole.queryLatency('ack', { event: 'bid' })?.summary);
    expect(queries.queryCounter('errors')).toBe(whole.queryCounter('errors'));
    expect(queries.queryCounter('nothing')).toBeUndefined();
  });
});

describe('mergeViolations', () => {
  const violation = (kind: 'order' | 'loss', user: string): Omit<ViolationRecord, 'atMs'> =>
    ({ kind, user, connection: 'sock', room: 'booking:b1', expected: 'e', observed: 'o' });

  it('sums counts per kind and keeps the first evidence of each kind by time over every worker', () => {
    const metrics = createMetricsRegistry();
    const one = createViolationLog({ metrics, startUs: () => 0, evidencePerKind: 2 });
    const two = createViolationLog({ metrics, startUs: () => 0, evidencePerKind: 2 });
    one.record(violation('order', 'u1'), 5_000);
    one.record(violation('order', 'u2'), 9_000);
    one.record(violation('order', 'u3'), 12_000);
    two.record(violation('order', 'u4'), 1_000);
    two.record(violation('loss', 'u5'), 7_000);
    const merged = mergeViolations([one.summary(), two.summary()]);
    expect(merged.counts).toEqual({ order: 4, loss: 1 });
    expect(merged.total).toBe(5);
    expect(merged.evidence.map((v) => `${v.kind} ${v.user} ${v.atMs}`)).toEqual(['order u4 1', 'order u1 5', 'loss u5 7']);
  });

  it('is not checked when no worker checked', () => {
    expect(mergeViolations([NOT_CHECKED, NOT_CHECKED])).toMatchObject({ checked: false, total: 0 });
  });
});

describe('mergeGeneratorHealth', () => {
  it('is saturated when any worker is, names it, and adds up the CPU', () => {
    const busy = judgeGeneratorHealth(Array.from({ length: 4 }, () => ({ loopDelayP99Ms: 80, loopDelayMaxMs: 120, cpuPercent: 99 })));
    const merged = mergeGeneratorHealth([{ worker: 0, health: healthy }, { worker: 1, health: busy }]);
    expect(merged.saturated).toBe(true);
    expect(merged.note).toMatch(/^worker 2: the load generator was saturated/);
    expect(merged.cpuPercent).toBe(139);
    expect(merged.loopDelayP99Ms).toBe(80);
    expect(mergeGeneratorHealth([{ worker: 0, health: healthy }, { worker: 1, health: healthy }]).saturated).toBe(false);
  });
});
