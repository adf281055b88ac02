import { describe, expect, it } from 'vitest';
import { BazaarError } from '../errors.ts';
import { parseThresholdExpression } from './expression.ts';

describe('parseThresholdExpression', () => {
  it.each([
    // time limits are stored in µs; a bare number is ms (k6)
    ['p(95)<150ms', { kind: 'percentile', p: 95 }, '<', 150_000, 'ms'],
    ['p(99.9) <= 1s', { kind: 'percentile', p: 99.9 }, '<=', 1_000_000, 's'],
    ['avg<200', { kind: 'avg' }, '<', 200_000, 'ms'],
    ['count==0', { kind: 'count' }, '==', 0, 'none'],
    ['rate<0.01', { kind: 'rate' }, '<', 0.01, 'none'],
    ['max<2s', { kind: 'max' }, '<', 2_000_000, 's'],
    ['med<50ms', { kind: 'med' }, '<', 50_000, 'ms'],
    ['p(50)<300us', { kind: 'percentile', p: 50 }, '<', 300, 'us'],
    ['p(50)<300µs', { kind: 'percentile', p: 50 }, '<', 300, 'us'],
    ['min>=0.5ms', { kind: 'min' }, '>=', 500, 'ms'],
    ['p(95)<=1.1ms', { kind: 'percentile', p: 95 }, '<=', 1_100, 'ms'],
    ['count>10', { kind: 'count' }, '>', 10, 'none'],
    ['count!=3', { kind: 'count' }, '!=', 3, 'none'],
    ['p(0)>.5', { kind: 'percentile', p: 0 }, '>', 500, 'ms'],
    ['p(100)<1s', { kind: 'percentile', p: 100 }, '<', 1_000_000, 's'],
    ['  p( 95 ) < 150 ms ', { kind: 'percentile', p: 95 }, '<', 150_000, 'ms'],
  ])('%j', (text, stat, op, value, unit) => {
    expect(parseThresholdExpression(text)).toEqual({ stat, op, value, unit, source: text.trim() });
  });

  it.each([
    ['p95<1', /'p95' is not a statistic/, /p\(95\)/],
    ['p(95)<', /has no value after '<'/, /p\(95\)<150ms/],
    ['p(101)<1ms', /p\(101\) is not a percentile/, /0 to 100/],
    ['p(-1)<1ms', /p\(-1\) is not a percentile/, /0 to 100/],
    ['p()<1ms', /p\(\) is not a percentile/, /0 to 100/],
    ['p(95<1ms', /p\( is not closed/, /parentheses/],
    ['foo<1', /'foo' is not a statistic/, /avg, min, max, med, count or rate/],
    ['<1ms', /has no statistic/, /p\(95\)<150ms/],
    ['', /is empty/, /p\(95\)<150ms/],
    ['p(95)', /has no comparison after 'p\(95\)'/, /<, <=, >, >=, == or !=/],
    ['p(95)=150ms', /'=150ms' after 'p\(95\)' is not a comparison/, /==/],
    ['p(95)<fast', /'fast' is not a number/, /p\(95\)<150ms/],
    ['p(95)<-1ms', /'-1ms' is not a number/, /≥ 0/],
    ['p(95)<150sec', /'sec' is not a time unit/, /us, ms or s/],
    ['p(95)<150m', /'m' is not a time unit/, /p\(95\)<150ms/],
    ['count<1ms', /count takes no unit \(found 'ms'\)/, /count<1'/],
    ['rate<1s', /rate takes no unit/, /rate<1'/],
    ['p(95)<150ms && avg<100', /unexpected '&& avg<100' at the end/, /one condition/],
  ])('rejects %j', (text, message, hint) => {
    let error: unknown;
    try {
      parseThresholdExpression(text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(BazaarError);
    expect((error as BazaarError).code).toBe('BAZAAR_BAD_THRESHOLD');
    expect((error as BazaarError).message).toMatch(/^threshold/);
    expect((error as BazaarError).message).toMatch(message);
    expect((error as BazaarError).hint).toMatch(hint);
  });
});
