import { describe, expect, it } from 'vitest';
import { formatDurationMs, parseDurationMs } from './duration.ts';

describe('parseDurationMs', () => {
  it.each([
    ['500ms', 500],
    ['2s', 2_000],
    ['1.5s', 1_500],
    ['15m', 900_000],
    ['1h', 3_600_000],
    [' 60s ', 60_000],
  ])('%s is %d ms', (text, ms) => expect(parseDurationMs(text)).toBe(ms));

  it.each(['60', 's', '-1s', '1d', 'abc', ''])('rejects %j with a hint about units', (text) => {
    expect(() => parseDurationMs(text, '--ttl')).toThrow(/--ttl .* is not a duration/);
  });

  it('formats back to the shortest exact unit', () => {
    expect([60_000, 1_500, 900_000, 3_600_000].map(formatDurationMs)).toEqual(['1m', '1500ms', '15m', '1h']);
  });
});
