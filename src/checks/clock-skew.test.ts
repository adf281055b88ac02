import { describe, expect, it } from 'vitest';
import { clockSkewFromDateHeader } from './clock-skew.ts';

const at = (iso: string) => Date.parse(iso);

describe('clockSkewFromDateHeader', () => {
  it('finds no skew when the server second contains our send and receipt', () => {
    const skew = clockSkewFromDateHeader('Tue, 02 Jan 2024 10:00:00 GMT', at('2024-01-02T10:00:00.400Z'), at('2024-01-02T10:00:00.600Z'))!;
    expect(Math.abs(skew.skewMs)).toBeLessThanOrEqual(skew.uncertaintyMs);
    expect(skew.uncertaintyMs).toBe(600);
  });

  it('finds a server 5 s behind within the header resolution', () => {
    const skew = clockSkewFromDateHeader('Tue, 02 Jan 2024 09:59:55 GMT', at('2024-01-02T10:00:00.300Z'), at('2024-01-02T10:00:00.310Z'))!;
    expect(skew.skewMs).toBeGreaterThanOrEqual(-5_310 - 1);
    expect(skew.skewMs).toBeLessThanOrEqual(-4_300 + 1);
    expect(skew.uncertaintyMs).toBe(505);
  });

  it('widens the uncertainty by the round trip', () => {
    const skew = clockSkewFromDateHeader('Tue, 02 Jan 2024 10:00:03 GMT', at('2024-01-02T10:00:00.000Z'), at('2024-01-02T10:00:01.000Z'))!;
    expect(skew.uncertaintyMs).toBe(1_000);
    expect(skew.skewMs).toBe(3_000);
  });

  it.each([[undefined], [null], [''], ['not a date']])('gives nothing for the header %j', (header) => {
    expect(clockSkewFromDateHeader(header, 0, 1)).toBeUndefined();
  });
});
