import { describe, expect, it } from 'vitest';
import { ABSENCE_CEILING_MS, ABSENCE_FLOOR_MS, absenceWindowMs } from './absence-window.ts';

describe('absenceWindowMs', () => {
  it.each([
    ['nothing measured yet', [], ABSENCE_FLOOR_MS],
    ['loopback round trips', [0.4, 1.2, 3], ABSENCE_FLOOR_MS],
    ['a 300 ms-each-way target', [602, 640, 611], 1_280],
    ['the slowest measurement decides', [20, 900, 30], 1_800],
    ['a pathological measurement is capped', [60_000], ABSENCE_CEILING_MS],
    ['non-finite values are ignored', [Number.NaN, Number.POSITIVE_INFINITY, 200], 400],
  ])('%s', (_name, measured, expected) => {
    expect(absenceWindowMs(measured)).toBe(expected);
  });
});
