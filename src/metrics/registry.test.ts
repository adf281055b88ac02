import { describe, expect, it } from 'vitest';
import { HIGHEST_US } from './histogram.ts';
import { createMetricsRegistry } from './registry.ts';

const MS = 1_000;
/** 3 significant digits: any value is within 0.1% of what was recorded. */
const withinHdrPrecision = (actualUs: number, expectedUs: number) => Math.abs(actualUs - expectedUs) <= expectedUs / 1_000;

describe('coordinated omission', () => {
  it('measures a stalled scheduled action from its intended start (corrected) and actual start (uncorrected)', () => {
    const metrics = createMetricsRegistry();
    const ack = metrics.latency('ack', { event: 'message:send' });
    // intended to start at 0, the generator only got to it at 900 ms, the ack came at 1000 ms
    ack.record(900 * MS, 1_000 * MS, 0);
    expect(ack.summary().count).toBe(1);
    expect(withinHdrPrecision(ack.summary().maxUs, 1_000 * MS)).toBe(true);
    expect(withinHdrPrecision(ack.percentileUs(99), 1_000 * MS)).toBe(true);
    expect(withinHdrPrecision(ack.uncorrectedSummary().maxUs, 100 * MS)).toBe(true);
  });

  it.each([
    // [what, actualStartUs, endUs, intendedStartUs, corrected, uncorrected]
    ['no schedule', 500, 800, undefined, 300, 300],
    ['on time', 500, 800, 500, 300, 300],
    ['late by 200 µs', 700, 800, 500, 300, 100],
    ['early start is measured from the actual start', 500, 800, 600, 300, 300],
  ])('%s', (_what, actualStartUs, endUs, intendedStartUs, corrected, uncorrected) => {
    const series = createMetricsRegistry().latency('ack');
    series.record(actualStartUs, endUs, intendedStartUs);
    expect(series.summary().maxUs).toBe(corrected);
    expect(series.uncorrectedSummary().maxUs).toBe(uncorrected);
  });

  it('keeps every earlier sample in the uncorrected figure when the first late one arrives', () => {
    const metrics = createMetricsRegistry();
    const series = metrics.latency('ack');
    // Closed-model samples first (both figures the same), then late ones, then on-time again.
    for (const latencyUs of [100, 200, 300]) series.record(1_000, 1_000 + latencyUs);
    series.record(5_000, 5_400, 4_000); // corrected 1,400, uncorrected 400
    series.record(6_000, 6_050, 6_000); // on time: 50 and 50
    expect(series.summary()).toMatchObject({ count: 5, minUs: 50, maxUs: 1_400 });
    expect(series.uncorrectedSummary()).toMatchObject({ count: 5, minUs: 50, maxUs: 400 });
    expect(series.uncorrectedSummary().meanUs).toBe((100 + 200 + 300 + 400 + 50) / 5);
    const [entry] = metrics.snapshot().latencies;
    expect(entry?.histogram).not.toBe(entry?.uncorrectedHistogram);
  });

  it('writes the same histogram twice while nothing was late', () => {
    const metrics = createMetricsRegistry();
    for (const latencyUs of [100, 200, 300]) metrics.latency('ack').record(1_000, 1_000 + latencyUs);
    const [entry] = metrics.snapshot().latencies;
    expect(entry?.uncorrectedHistogram).toBe(entry?.histogram);
    expect(entry?.uncorrected).toStrictEqual(entry?.summary);
  });
});

describe('createMetricsRegistry', () => {
  it('gets the same series back whatever order the tags are written in', () => {
    const metrics = createMetricsRegistry();
    const a = metrics.latency('ack', { event: 'bid', node: '1' });
    expect(metrics.latency('ack', { node: '1', event: 'bid' })).toBe(a);
    expect(a.key).toBe('ack{event:bid,node:1}');
    expect(metrics.counter('errors', { code: 'X' })).toBe(metrics.counter('errors', { code: 'X' }));
  });

  it('keeps its own copy of the tags', () => {
    const metrics = createMetricsRegistry();
    const tags = { event: 'bid' };
    const series = metrics.latency('ack', tags);
    tags.event = 'ask';
    expect(series.tags).toEqual({ event: 'bid' });
  });

  it('records a timeout at the timeout value instead of dropping it', () => {
    const series = createMetricsRegistry().latency('ack');
    for (let i = 0; i < 99; i++) series.recordValueUs(2 * MS);
    series.recordValueUs(10_000 * MS, 9_000 * MS);
    expect(series.summary().count).toBe(100);
    expect(withinHdrPrecision(series.summary().maxUs, 10_000 * MS)).toBe(true);
    expect(withinHdrPrecision(series.uncorrectedSummary().maxUs, 9_000 * MS)).toBe(true);
  });

  it('records a value past one hour at one hour', () => {
    const series = createMetricsRegistry().latency('ack');
    series.recordValueUs(HIGHEST_US * 3);
    expect(series.summary().count).toBe(1);
    expect(withinHdrPrecision(series.summary().maxUs, HIGHEST_US)).toBe(true);
  });

  it.each(['', 'ack{event:bid}', 'a}'])('rejects the metric name %j', (name) => {
    const metrics = createMetricsRegistry();
    expect(() => metrics.latency(name)).toThrow(/is not a metric name/);
    expect(() => metrics.counter(name)).toThrow(/is not a metric name/);
  });

  it('rejects a counter increment that is not finite', () => {
    expect(() => createMetricsRegistry().counter('errors').add(Number.NaN)).toThrow(/cannot add NaN/);
  });

  it('lists metric names once each, sorted', () => {
    const metrics = createMetricsRegistry();
    metrics.latency('delivery', { room: 'b1' });
    metrics.latency('ack', { event: 'bid' });
    metrics.latency('ack', { event: 'ask' });
    metrics.counter('errors', { code: 'X' });
    metrics.counter('ack', { event: 'bid' });
    expect(metrics.metricNames()).toEqual(['ack', 'delivery', 'errors']);
  });
});

describe('queryLatency', () => {
  const metrics = createMetricsRegistry();
  for (let us = 1; us <= 100; us++) metrics.latency('ack', { event: 'bid', node: '1' }).recordValueUs(us);
  for (let us = 101; us <= 200; us++) metrics.latency('ack', { event: 'bid', node: '2' }).recordValueUs(us);
  for (let us = 201; us <= 400; us++) metrics.latency('ack', { event: 'ask', node: '1' }).recordValueUs(us);
  metrics.latency('delivery').recordValueUs(5);

  it.each([
    // [tags, count, p50Us, maxUs]
    [{}, 400, 200, 400],
    [{ event: 'bid' }, 200, 100, 200],
    [{ node: '1' }, 300, 250, 400],
    [{ event: 'bid', node: '2' }, 100, 150, 200],
    [{ event: 'ask' }, 200, 300, 400],
  ])('merges every ack series whose tags include %j', (tags, count, p50Us, maxUs) => {
    const query = metrics.queryLatency('ack', tags);
    expect(query).toMatchObject({ count, summary: { count, p50Us, maxUs } });
    expect(query?.percentileUs(50)).toBe(p50Us);
  });

  it.each([
    ['ack', { event: 'nope' }],
    ['nope', {}],
  ])('is undefined when no series of %s matches %j', (name, tags) => {
    expect(metrics.queryLatency(name, tags)).toBeUndefined();
  });
});

describe('queryCounter', () => {
  const metrics = createMetricsRegistry();
  metrics.counter('errors', { code: 'RATE_LIMITED', event: 'bid' }).add(3);
  metrics.counter('errors', { code: 'RATE_LIMITED', event: 'ask' }).add();
  metrics.counter('errors', { code: 'FORBIDDEN', event: 'bid' }).add(2);
  metrics.counter('dropped_iterations');

  it.each([
    ['errors', {}, 6],
    ['errors', { code: 'RATE_LIMITED' }, 4],
    ['errors', { event: 'bid' }, 5],
    ['errors', { code: 'FORBIDDEN', event: 'ask' }, undefined],
    ['dropped_iterations', {}, 0],
    ['nope', {}, undefined],
  ])('%s %j sums to %s', (name, tags, sum) => expect(metrics.queryCounter(name, tags)).toBe(sum));
});

describe('intervalLatency', () => {
  it('summarizes each window since the last call, across every series of the name', () => {
    const metrics = createMetricsRegistry();
    expect(metrics.intervalLatency('ack')).toBeUndefined();
    const bid = metrics.latency('ack', { event: 'bid' });
    const ask = metrics.latency('ack', { event: 'ask' });
    expect(metrics.intervalLatency('ack')).toBeUndefined();

    for (let us = 1; us <= 100; us++) bid.recordValueUs(us);
    ask.recordValueUs(1_000);
    expect(metrics.intervalLatency('ack')).toMatchObject({ count: 101, p50Us: 51, maxUs: 1_000 });

    ask.record(0, 50, 0);
    expect(metrics.intervalLatency('ack')).toMatchObject({ count: 1, p50Us: 50 });
    expect(metrics.intervalLatency('ack')).toBeUndefined();
    // the whole-run view is untouched by windows
    expect(metrics.queryLatency('ack')?.count).toBe(102);
  });

  it('keeps names apart', () => {
    const metrics = createMetricsRegistry();
    metrics.latency('ack').recordValueUs(10);
    metrics.latency('delivery').recordValueUs(20);
    expect(metrics.intervalLatency('delivery')).toMatchObject({ count: 1, maxUs: 20 });
    expect(metrics.intervalLatency('ack')).toMatchObject({ count: 1, maxUs: 10 });
  });
});

describe('windowLatencies', () => {
  it('summarizes each series since the last call, apart from intervalLatency, leaving out series without samples', () => {
    const metrics = createMetricsRegistry();
    const bid = metrics.latency('ack', { event: 'bid' });
    metrics.latency('ack', { event: 'ask' });
    for (let us = 1; us <= 100; us++) bid.recordValueUs(us * 100);
    expect(metrics.intervalLatency('ack')?.count).toBe(100);
    const [window, ...rest] = metrics.windowLatencies();
    expect(rest).toEqual([]);
    expect(window?.key).toBe('ack{event:bid}');
    expect(window?.summary.count).toBe(100);
    // 2 significant digits: within 1% of the exact figures
    expect(window?.summary.p50Us).toBeGreaterThanOrEqual(5_000);
    expect(window?.summary.p50Us).toBeLessThanOrEqual(5_050);
    expect(window?.summary.maxUs).toBeLessThanOrEqual(10_100);
    expect(metrics.windowLatencies()).toEqual([]);
    expect(metrics.queryLatency('ack')?.count).toBe(100);
  });

  it('reads every counter total by key', () => {
    const metrics = createMetricsRegistry();
    metrics.counter('errors', { code: 'x' }).add(2);
    metrics.counter('disconnects', { reason: 'transport close' }).add();
    expect(metrics.counterValues()).toEqual([
      { key: 'disconnects{reason:transport close}', value: 1 },
      { key: 'errors{code:x}', value: 2 },
    ]);
  });
});

describe('snapshot', () => {
  it('is plain JSON sorted by key, with both histograms encoded', () => {
    const metrics = createMetricsRegistry();
    metrics.latency('delivery').recordValueUs(7);
    metrics.latency('ack', { event: 'bid' }).record(10, 30, 0);
    metrics.counter('errors', { code: 'X' }).add(2);
    metrics.counter('disconnects', { reason: 'ping timeout' }).add();
    const snapshot = metrics.snapshot();
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
    expect(snapshot.latencies.map((series) => series.key)).toEqual(['ack{event:bid}', 'delivery']);
    expect(snapshot.latencies[0]).toMatchObject({
      name: 'ack',
      tags: { event: 'bid' },
      summary: { count: 1, maxUs: 30 },
      uncorrected: { count: 1, maxUs: 20 },
      histogram: expect.stringMatching(/^HISTF/),
      uncorrectedHistogram: expect.stringMatching(/^HISTF/),
    });
    expect(snapshot.counters).toEqual([
      { name: 'disconnects', tags: { reason: 'ping timeout' }, key: 'disconnects{reason:ping timeout}', value: 1 },
      { name: 'errors', tags: { code: 'X' }, key: 'errors{code:X}', value: 2 },
    ]);
  });
});

describe('snapshotInSteps', () => {
  const drive = (metrics: ReturnType<typeof createMetricsRegistry>) => {
    const steps = metrics.snapshotInSteps();
    let yields = 0;
    for (;;) {
      const step = steps.next();
      if (step.done) return { yields, snapshot: step.value };
      yields++;
    }
  };

  it('builds the same snapshot as snapshot(), one latency series per step', () => {
    const metrics = createMetricsRegistry();
    for (const event of ['bid', 'message:send', 'read:mark']) metrics.latency('ack', { event }).record(10, 400, 0);
    metrics.counter('errors', { code: 'X' }).add();
    const { yields, snapshot } = drive(metrics);
    expect(yields).toBe(3);
    expect(snapshot).toEqual(metrics.snapshot());
  });

  it('encodes again only the series recorded in since the last snapshot, and shows their new samples', () => {
    const metrics = createMetricsRegistry();
    for (const event of ['bid', 'message:send', 'read:mark']) metrics.latency('ack', { event }).recordValueUs(100);
    drive(metrics);
    metrics.latency('ack', { event: 'bid' }).recordValueUs(900);
    const { yields, snapshot } = drive(metrics);
    expect(yields).toBe(1);
    expect(snapshot.latencies.map((s) => [s.key, s.summary.count, s.summary.maxUs])).toEqual([
      ['ack{event:bid}', 2, 900],
      ['ack{event:message:send}', 1, 100],
      ['ack{event:read:mark}', 1, 100],
    ]);
  });

  it('hands out copies: changing one snapshot leaves the next one alone', () => {
    const metrics = createMetricsRegistry();
    metrics.latency('ack').recordValueUs(100);
    const first = metrics.snapshot();
    (first.latencies[0] as { summary: { count: number } }).summary.count = 99;
    expect(metrics.snapshot().latencies[0]?.summary.count).toBe(1);
  });
});

