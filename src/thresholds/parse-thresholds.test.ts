import { describe, expect, it } from 'vitest';
import { BazaarError } from '../errors.ts';
import { parseCliThreshold, parseThresholds } from './parse-thresholds.ts';

describe('parseThresholds', () => {
  it('parses strings and objects, in order, keeping the key as written', () => {
    const thresholds = parseThresholds({
      'ack{event:message:send}': ['p(95)<150ms', { threshold: 'p(99)<300ms', abortOnFail: true, delayAbortEval: '10s' }],
      errors: ['count==0'],
    });
    expect(thresholds.map((t) => [t.key, t.selector, t.expression.source, t.abortOnFail, t.delayAbortEvalMs])).toEqual([
      ['ack{event:message:send}', { metric: 'ack', tags: { event: 'message:send' } }, 'p(95)<150ms', false, 0],
      ['ack{event:message:send}', { metric: 'ack', tags: { event: 'message:send' } }, 'p(99)<300ms', true, 10_000],
      ['errors', { metric: 'errors', tags: {} }, 'count==0', false, 0],
    ]);
  });

  it.each([
    ['no thresholds', undefined, 0],
    ['an empty object', {}, 0],
    ['abortOnFail without a delay', { ack: [{ threshold: 'p(95)<1s', abortOnFail: true }] }, 1],
  ])('accepts %s', (_name, specs, count) => {
    expect(parseThresholds(specs)).toHaveLength(count);
  });

  it.each([
    ['a list', ['p(95)<150ms'], /^thresholds must be an object of metric → conditions, got a list$/, /'ack\{event:message:send\}': \['p\(95\)<150ms'\]/],
    ['a string', 'p(95)<150ms', /^thresholds must be an object/, /thresholds:/],
    ['a bad key', { 'ack{event}': ['p(95)<1s'] }, /^thresholds\['ack\{event\}'\]: tag 'event' has no value$/, /name:value/],
    ['a single string, not a list', { ack: 'p(95)<150ms' }, /^thresholds\['ack'\] must be a list of conditions, got the string "p\(95\)<150ms"$/, /^wrap it in a list: 'ack': \['p\(95\)<150ms'\]$/],
    ['a number', { ack: 5 }, /^thresholds\['ack'\] must be a list of conditions$/, /p\(95\)/],
    ['an empty list', { ack: [] }, /^thresholds\['ack'\] is an empty list, so it would never check anything$/, /remove the key/],
    ['a bad condition', { 'delivery{room:booking}': ['p(95)<150ms', 'p95<1'] }, /^thresholds\['delivery\{room:booking\}'\]\[1\] "p95<1": 'p95' is not a statistic$/, /p\(95\)/],
    ['a bad condition in an object', { ack: [{ threshold: 'p(101)<1s' }] }, /^thresholds\['ack'\]\[0\]\.threshold "p\(101\)<1s": p\(101\) is not a percentile$/, /0 to 100/],
    ['a missing threshold', { ack: [{ abortOnFail: true }] }, /^thresholds\['ack'\]\[0\]\.threshold is missing$/, /threshold: 'p\(95\)<150ms'/],
    ['a condition that is not a string', { ack: [{ threshold: 5 }] }, /^thresholds\['ack'\]\[0\]\.threshold must be a string/, /p\(95\)<150ms/],
    ['an unknown option', { ack: [{ threshold: 'p(95)<1s', abortOnFailure: true }] }, /^thresholds\['ack'\]\[0\]\.abortOnFailure is not an option of a threshold$/, /threshold, abortOnFail, delayAbortEval/],
    ['a quoted boolean', { ack: [{ threshold: 'p(95)<1s', abortOnFail: 'yes' }] }, /^thresholds\['ack'\]\[0\]\.abortOnFail must be true or false, got "yes"$/, /no quotes/],
    ['a delay without abortOnFail', { ack: [{ threshold: 'p(95)<1s', delayAbortEval: '10s' }] }, /^thresholds\['ack'\]\[0\]\.delayAbortEval has no effect without abortOnFail: true$/, /add abortOnFail: true/],
    ['a bad delay', { ack: [{ threshold: 'p(95)<1s', abortOnFail: true, delayAbortEval: '10' }] }, /^thresholds\['ack'\]\[0\]\.delayAbortEval "10" is not a duration$/, /unit/],
    ['a number delay', { ack: [{ threshold: 'p(95)<1s', abortOnFail: true, delayAbortEval: 10 }] }, /^thresholds\['ack'\]\[0\]\.delayAbortEval 10 is not a duration$/, /'10s'/],
    ['a number item', { ack: [95] }, /^thresholds\['ack'\]\[0\] must be a condition string/, /abortOnFail: true/],
  ])('rejects %s', (_name, specs, message, hint) => {
    let error: unknown;
    try {
      parseThresholds(specs);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(BazaarError);
    expect((error as BazaarError).message).toMatch(message);
    expect((error as BazaarError).hint).toMatch(hint);
  });
});

describe('parseCliThreshold', () => {
  it.each([
    ['ack{event:message:send} p(95)<150ms', 'ack{event:message:send}', { event: 'message:send' }, 'p(95)<150ms'],
    ['  delivery   p(99) <= 1s ', 'delivery', {}, 'p(99) <= 1s'],
    ['http{route:POST /api/bookings} p(95)<500ms', 'http{route:POST /api/bookings}', { route: 'POST /api/bookings' }, 'p(95)<500ms'],
    ['ack {event:message:send}\tcount>0', 'ack {event:message:send}', { event: 'message:send' }, 'count>0'],
    ['errors count==0', 'errors', {}, 'count==0'],
  ])('%j', (text, key, tags, source) => {
    const threshold = parseCliThreshold(text);
    expect(threshold).toMatchObject({ key, selector: { tags }, expression: { source }, abortOnFail: false, delayAbortEvalMs: 0 });
  });

  it.each([
    ['p(95)<150ms', /needs a metric and a condition separated by a space/],
    ['ack', /needs a metric and a condition/],
    ['ack{event:message:send}', /needs a metric and a condition/],
    ['ack{event:message:send p(95)<1ms', /the tag filter is not closed/],
    ['ack p95<1', /^--threshold "ack p95<1": condition "p95<1": 'p95' is not a statistic$/],
    ['ack{event} p(95)<1ms', /metric selector 'ack\{event\}': tag 'event' has no value/],
  ])('rejects %j', (text, message) => {
    expect(() => parseCliThreshold(text)).toThrow(message);
  });
});
