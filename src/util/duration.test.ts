import { describe, expect, it } from 'vitest';
import { formatDurationMs, parseDurationMs } from './duration.ts';

describe('parseDurationMs', () => {
  it.each([
    ['250ms', 250],
    ['500ms', 500],
    ['2s', 2_000],
    ['1.5s', 1_500],
    ['.5s', 500],
    ['15m', 900_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    [' 60s ', 60_000],
    ['0', 0],
    ['0s', 0],
    ['+30s', 30_000],
    // k6's compound forms (Go's time.Duration syntax, and k6's leading days)
    ['1m30s', 90_000],
    ['1h30m', 5_400_000],
    ['2h45m10s500ms', 9_910_500],
    ['1m0.5s', 60_500],
    ['1d12h', 129_600_000],
    ['1.5ms', 2],
  ])('%s is %d ms', (text, ms) => expect(parseDurationMs(text)).toBe(ms));

  it.each([
    ['60', /add a unit: "60s" or "60ms"/],
    ['1.5', /add a unit/],
    ['1m30', /a number with a unit/],
    ['s', /a number with a unit/],
    ['-1s', /cannot be negative/],
    ['-1m30s', /cannot be negative/],
    ['500us', /whole milliseconds/],
    ['10ns', /whole milliseconds/],
    ['1w', /a number with a unit/],
    ['1 m', /a number with a unit/],
    ['1m 30s', /a number with a unit/],
    ['abc', /a number with a unit/],
    ['', /a number with a unit/],
    ['+', /a number with a unit/],
  ])('rejects %j: %s', (text, hint) => {
    let caught: unknown;
    try {
      parseDurationMs(text, '--ttl');
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'BAZAAR_BAD_DURATION', message: expect.stringMatching(/--ttl .* is not a duration/) });
    expect((caught as { hint: string }).hint).toMatch(hint);
  });

  it('formats back to the shortest exact unit', () => {
    expect([60_000, 1_500, 900_000, 3_600_000].map(formatDurationMs)).toEqual(['1m', '1500ms', '15m', '1h']);
  });
});
