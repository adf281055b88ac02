import { describe, expect, it } from 'vitest';
import { createMetricsRegistry } from '../metrics/index.ts';
import { readRecordedMetrics } from './distributions.ts';
import { evaluateGate, parseGate, relativeChangePercent } from './gates.ts';

describe('parseGate', () => {
  it.each([
    ['ack{event:message:send} p(95) > +10%', { key: 'ack{event:message:send}', mode: 'percent', op: '>', limit: 10 }],
    ['ack p(99) > +5ms', { key: 'ack', mode: 'delta', op: '>', limit: 5_000, unit: 'ms' }],
    ['ack p(99)>+5', { mode: 'delta', limit: 5_000, unit: 'ms' }],
    ['delivery p(95) > 300ms', { mode: 'absolute', limit: 300_000 }],
    ['iterations count < -20%', { mode: 'percent', op: '<', limit: -20 }],
    ['violations count > 0', { mode: 'absolute', limit: 0, unit: 'none' }],
    ['errors{code:internal} count > +3', { mode: 'delta', limit: 3, unit: 'none' }],
    ['http{route:POST /api/bookings} p(99.9) >= 1.5s', { key: 'http{route:POST /api/bookings}', mode: 'absolute', limit: 1_500_000, unit: 's' }],
  ])('%s', (text, expected) => {
    expect(parseGate(text)).toMatchObject(expected);
  });

  it.each([
    ['ack', /needs a metric and a condition/],
    ['ackk p(95) > +10%', /'ackk'.*does not exist/],
    ['ack{evnt:message:send} p(95) > +10%', /by tag 'evnt'/],
    ['ack p(95) > +10%ms', /a change in % takes no unit/],
    ['ack p95 > +10%', /not a statistic/],
    ['violations count > 1ms', /count takes no unit/],
  ])('refuses %s', (text, message) => {
    expect(() => parseGate(text)).toThrow(message);
  });
});

describe('evaluateGate', () => {
  const recorded = (sendsMs: number[], violations: number) => {
    const registry = createMetricsRegistry();
    for (const ms of sendsMs) registry.latency('ack', { event: 'message:send' }).recordValueUs(ms * 1_000);
    if (violations) registry.counter('violations', { kind: 'order' }).add(violations);
    return readRecordedMetrics(registry.snapshot(), 10_000);
  };
  const base = recorded(Array.from({ length: 100 }, (_, i) => 10 + i / 10), 0);
  const slower = recorded(Array.from({ length: 100 }, (_, i) => 20 + i / 10), 2);

  it('fails a relative gate on a slower run and passes it on the same one', () => {
    const gate = parseGate('ack{event:message:send} p(95) > +10%');
    const failed = evaluateGate(gate, base, slower);
    expect(failed).toMatchObject({ passed: false, mode: 'percent', unit: '%', valueUnit: 'ms' });
    expect(failed.observed).toBeGreaterThan(10);
    expect(failed.current! - failed.base!).toBeCloseTo(10, 0);
    expect(evaluateGate(gate, base, base)).toMatchObject({ passed: true, observed: 0 });
  });

  it('judges a delta in the written unit and an absolute limit on the current run alone', () => {
    expect(evaluateGate(parseGate('ack p(50) > +5ms'), base, slower)).toMatchObject({ passed: false, mode: 'delta' });
    expect(evaluateGate(parseGate('ack p(50) > +15ms'), base, slower)).toMatchObject({ passed: true });
    expect(evaluateGate(parseGate('ack max > 25ms'), recorded([], 0), slower)).toMatchObject({ passed: false, mode: 'absolute' });
  });

  it('reads a counter a run never created as zero', () => {
    const gate = parseGate('violations count > 0');
    expect(evaluateGate(gate, base, base)).toMatchObject({ passed: true, current: 0 });
    expect(evaluateGate(gate, base, slower)).toMatchObject({ passed: false, current: 2 });
    expect(evaluateGate(parseGate('violations count > +0%'), base, slower)).toMatchObject({ passed: false, observed: Infinity });
  });

  it('fails, saying why, when a timing has no samples to judge', () => {
    const empty = recorded([], 0);
    expect(evaluateGate(parseGate('ack p(95) > +10%'), base, empty)).toMatchObject({ passed: false, reason: 'current run: no ack samples' });
    expect(evaluateGate(parseGate('ack p(95) > +10%'), empty, base)).toMatchObject({ passed: false, reason: 'baseline: no ack samples' });
    expect(evaluateGate(parseGate('delivery p(95) > 1s'), base, base)).toMatchObject({ passed: false, reason: 'current run: no delivery samples' });
  });

  it('computes relative change, with a zero baseline as infinite growth', () => {
    expect(relativeChangePercent(100, 110)).toBeCloseTo(10);
    expect(relativeChangePercent(0, 0)).toBe(0);
    expect(relativeChangePercent(0, 1)).toBe(Infinity);
  });
});
