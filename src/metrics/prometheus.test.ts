import { describe, expect, it } from 'vitest';
import { parseExposition } from '../../test/helpers/prometheus.ts';
import { renderPrometheus } from './prometheus.ts';
import { createMetricsRegistry } from './registry.ts';

describe('renderPrometheus', () => {
  const registry = createMetricsRegistry();
  const send = registry.latency('ack', { event: 'message:send' });
  for (const ms of [0.5, 2, 2, 7, 30, 30, 30, 400]) send.recordValueUs(ms * 1_000);
  registry.latency('ack', { event: 'booking:join' }).recordValueUs(1_500);
  registry.counter('disconnects', { reason: 'transport "close"' }).add(3);
  registry.counter('iterations', { group: 'default' }).add(12);
  const text = renderPrometheus({ ...registry.liveSeries(), gauges: [{ name: 'vus', help: 'busy VUs', value: 4 }] });
  const { types, samples } = parseExposition(text);
  const value = (name: string, labels: Record<string, string>) =>
    samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

  it('declares each family once with its type', () => {
    expect(Object.fromEntries(types)).toEqual({
      bazaar_ack_seconds: 'histogram',
      bazaar_ack_run_seconds: 'summary',
      bazaar_disconnects_total: 'counter',
      bazaar_iterations_total: 'counter',
      bazaar_vus: 'gauge',
    });
  });

  it('writes cumulative buckets in seconds, +Inf equal to the count', () => {
    const bucket = (le: string) => value('bazaar_ack_seconds_bucket', { event: 'message:send', le });
    expect([bucket('0.001'), bucket('0.0025'), bucket('0.005'), bucket('0.01'), bucket('0.025'), bucket('0.05'), bucket('0.25'), bucket('0.5'), bucket('+Inf')])
      .toEqual([1, 3, 3, 4, 4, 7, 7, 8, 8]);
    expect(value('bazaar_ack_seconds_count', { event: 'message:send' })).toBe(8);
    expect(value('bazaar_ack_seconds_sum', { event: 'message:send' })).toBeCloseTo(0.5015, 2);
  });

  it('writes run quantiles from the HDR histogram, counters with escaped labels, and gauges', () => {
    expect(value('bazaar_ack_run_seconds', { event: 'message:send', quantile: '0.5' })).toBeCloseTo(0.007, 4);
    expect(value('bazaar_ack_run_seconds', { event: 'message:send', quantile: '0.99' })).toBeCloseTo(0.4, 3);
    expect(text).toContain('bazaar_disconnects_total{reason="transport \\"close\\""} 3');
    expect(value('bazaar_disconnects_total', { reason: 'transport "close"' })).toBe(3);
    expect(value('bazaar_vus', {})).toBe(4);
  });
});
