import { describe, expect, it } from 'vitest';
import { BazaarError } from '../errors.ts';
import { checkThresholdMetrics, evaluateThresholds, neverObservedTags, type MetricCatalog, type MetricResolver, type MetricValue } from './evaluate.ts';
import { parseThresholds } from './parse-thresholds.ts';
import { formatMetricSelector } from './selector.ts';

/** A trend of 100 samples, 1..100 ms; percentile p is p ms. */
const ackTrend: MetricValue = {
  kind: 'trend',
  count: 100,
  minUs: 1_000,
  maxUs: 100_000,
  meanUs: 50_500,
  percentileUs: (p) => p * 1_000,
};
const emptyTrend: MetricValue = { kind: 'trend', count: 0, minUs: 0, maxUs: 0, meanUs: 0, percentileUs: () => 0 };
const errorsCounter: MetricValue = { kind: 'counter', count: 3, ratePerSec: 0.05 };

const metrics: Record<string, MetricValue> = {
  'ack{event:message:send}': ackTrend,
  'delivery{event:message:new,room:booking}': emptyTrend,
  errors: errorsCounter,
};
const resolve: MetricResolver = (selector) => metrics[formatMetricSelector(selector)];

function judge(key: string, condition: string) {
  const [result] = evaluateThresholds(parseThresholds({ [key]: [condition] }), resolve);
  return result;
}

describe('evaluateThresholds', () => {
  it.each([
    // key, condition, passed, observed (in the threshold's unit), unit
    ['ack{event:message:send}', 'p(95)<150ms', true, 95, 'ms'],
    ['ack{event:message:send}', 'p(95)<95ms', false, 95, 'ms'],
    ['ack{event:message:send}', 'p(95)<=95ms', true, 95, 'ms'],
    ['ack{event:message:send}', 'p(99.9)<0.1s', true, 0.0999, 's'],
    ['ack{event:message:send}', 'p(50)<300us', false, 50_000, 'us'],
    ['ack{event:message:send}', 'avg<50', false, 50.5, 'ms'],
    ['ack{event:message:send}', 'med==50ms', true, 50, 'ms'],
    ['ack{event:message:send}', 'min>=1ms', true, 1, 'ms'],
    ['ack{event:message:send}', 'max<100ms', false, 100, 'ms'],
    ['ack{event:message:send}', 'count>=100', true, 100, 'none'],
    ['ack{event:message:send}', 'count!=100', false, 100, 'none'],
    ['errors', 'count==0', false, 3, 'none'],
    ['errors', 'count<=3', true, 3, 'none'],
    ['errors', 'rate<0.1', true, 0.05, 'none'],
    ['errors', 'rate>0.1', false, 0.05, 'none'],
    ['delivery{event:message:new,room:booking}', 'count==0', true, 0, 'none'],
  ])('%s %s → passed %s, observed %d %s', (key, condition, passed, observed, unit) => {
    const result = judge(key, condition);
    expect(result).toMatchObject({ key, source: condition, passed, unit, abortOnFail: false });
    expect(result?.observed).toBeCloseTo(observed, 9);
    expect(result?.reason).toBeUndefined();
  });

  it.each([
    ['no samples', 'delivery{event:message:new,room:booking}', 'p(99)<300ms', /^no samples$/],
    ['no samples, even for an easy max', 'delivery{event:message:new,room:booking}', 'max>=0', /^no samples$/],
    ['a percentile of a counter', 'errors', 'p(95)<1', /^p\(95\) needs timings, but 'errors' is a counter; use count or rate$/],
    ['an average of a counter', 'errors', 'avg<1', /'errors' is a counter/],
    ['a rate of a trend', 'ack{event:message:send}', 'rate<1', /^rate needs a counter, but 'ack' is a trend/],
    ['an unknown metric', 'ackk', 'p(95)<1s', /^no metric matches 'ackk'$/],
    ['tags that match nothing', 'ack{event:message:typo}', 'p(95)<1s', /^no metric matches 'ack\{event:message:typo\}'$/],
  ])('fails, never silently passes: %s', (_name, key, condition, reason) => {
    const result = judge(key, condition);
    expect(result).toMatchObject({ passed: false, observed: undefined });
    expect(result?.reason).toMatch(reason);
  });

  it('fails on a value that is not a number', () => {
    const broken: MetricValue = { ...ackTrend, percentileUs: () => Number.NaN };
    const [result] = evaluateThresholds(parseThresholds({ ack: ['p(95)<1s'] }), () => broken);
    expect(result).toMatchObject({ passed: false, observed: undefined });
    expect(result?.reason).toMatch(/not a number/);
  });

  it('carries abortOnFail and keeps one result per condition, in order', () => {
    const thresholds = parseThresholds({
      'ack{event:message:send}': ['p(95)<150ms', { threshold: 'p(99)<50ms', abortOnFail: true }],
      errors: ['count==0'],
    });
    expect(evaluateThresholds(thresholds, resolve).map((r) => [r.source, r.passed, r.abortOnFail])).toEqual([
      ['p(95)<150ms', true, false],
      ['p(99)<50ms', false, true],
      ['count==0', false, false],
    ]);
  });
});

describe('checkThresholdMetrics', () => {
  const known: MetricCatalog = {
    delivery: { kind: 'trend', tags: ['event', 'room'] },
    connect: { kind: 'trend', tags: [] },
    errors: { kind: 'counter', tags: ['code', 'source'] },
    ack: { kind: 'trend', tags: ['event'] },
  };

  it('accepts thresholds on known metrics', () => {
    expect(() => checkThresholdMetrics(parseThresholds({ 'ack{event:x}': ['p(95)<1s'], errors: ['count==0'] }), known)).not.toThrow();
    expect(() => checkThresholdMetrics([], known)).not.toThrow();
  });

  it.each([
    [{ 'ackk{event:message:send}': ['p(95)<1s'] }, /^threshold 'ackk\{event:message:send\}' names metric 'ackk', which does not exist; known metrics: ack, connect, delivery, errors$/, /^did you mean 'ack'\?$/],
    [{ latency: ['p(95)<1s'] }, /names metric 'latency', which does not exist/, /^name one of the known metrics$/],
    [{ ack: ['p(95)<1s'], ackk: ['p(95)<1s'], erors: ['count==0', 'rate<1'] }, /names metric 'ackk'.* \(also unknown: 'erors'\)$/, /did you mean 'ack'/],
  ])('rejects %j before the run', (specs, message, hint) => {
    expectRefusal(() => checkThresholdMetrics(parseThresholds(specs), known), 'BAZAAR_UNKNOWN_METRIC', message, hint);
  });
});

describe('checkThresholdMetrics: tag keys', () => {
  const known: MetricCatalog = {
    delivery: { kind: 'trend', tags: ['event', 'room'] },
    connect: { kind: 'trend', tags: [] },
    errors: { kind: 'counter', tags: ['code', 'source'] },
  };

  it('accepts the tag keys each metric declares, any subset of them', () => {
    const specs = { 'errors{code:internal}': ['count==0'], 'errors{code:x,source:y}': ['count==0'], 'delivery{room:1}': ['p(95)<1s'] };
    expect(() => checkThresholdMetrics(parseThresholds(specs), known)).not.toThrow();
  });

  it.each([
    [{ 'errors{cod:internal}': ['count==0'] },
      /^threshold 'errors\{cod:internal\}' filters 'errors' by tag 'cod', which its series never carry; errors is tagged by code, source$/,
      /^did you mean 'code'\? write 'errors\{code:internal\}'$/],
    [{ 'delivery{event:message:new,rooom:2-10}': ['p(95)<1s'] }, /by tag 'rooom'/, /did you mean 'room'\? write 'delivery\{event:message:new,room:2-10\}'/],
    [{ 'connect{event:x}': ['p(95)<1s'] }, /by tag 'event', .*; connect has no tags$/, /^write 'connect'$/],
    [{ 'errors{severity:high}': ['count==0'] }, /errors is tagged by code, source$/, /^write 'errors'$/],
  ])('rejects %j before the run, naming the closest key', (specs, message, hint) => {
    expectRefusal(() => checkThresholdMetrics(parseThresholds(specs), known), 'BAZAAR_UNKNOWN_TAG', message, hint);
  });
});

describe('neverObservedTags', () => {
  const seen = new Set(['code:internal', 'source:message:send', 'code:conflict', 'source:POST /api/bookings']);
  const has = (tag: string, value: string) => seen.has(`${tag}:${value}`);

  it.each([
    [{ code: 'internl' }, false, ['code:internl']],
    [{ code: 'internl', source: 'message:send' }, false, ['code:internl']],
    [{ code: 'internl', source: 'nowhere' }, false, ['code:internl', 'source:nowhere']],
    // each seen, never together: the whole filter was never observed
    [{ code: 'conflict', source: 'message:send' }, false, ['code:conflict,source:message:send']],
    [{ code: 'internal' }, true, []],
    [{}, false, []],
  ])('%j (a series matched: %s) → %j', (tags, matched, expected) => {
    expect(neverObservedTags(tags, matched, has)).toEqual(expected);
  });
});

describe('evaluateThreshold reports never-observed tag values', () => {
  it('a counter filtered by a value no series carried judges zero, passes count==0, and says never observed', () => {
    const resolveUnseen: MetricResolver = () => ({ kind: 'counter', count: 0, ratePerSec: 0, neverObserved: ['code:internl'] });
    const [result] = evaluateThresholds(parseThresholds({ 'errors{code:internl}': ['count==0'] }), resolveUnseen);
    expect(result).toMatchObject({ passed: true, observed: 0, neverObserved: ['code:internl'] });
  });

  it('says nothing when the selector matched', () => {
    const [result] = evaluateThresholds(parseThresholds({ errors: ['count>1'] }), resolve);
    expect(result).not.toHaveProperty('neverObserved');
  });
});

/** `run` throws a BazaarError with this code, and a message and hint matching these. */
function expectRefusal(run: () => void, code: string, message: RegExp, hint: RegExp): void {
  let error: unknown;
  try {
    run();
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(BazaarError);
  expect((error as BazaarError).code).toBe(code);
  expect((error as BazaarError).message).toMatch(message);
  expect((error as BazaarError).hint).toMatch(hint);
}
