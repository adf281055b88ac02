import { describe, expect, it } from 'vitest';
import {
  formatClock,
  formatCount,
  formatMs,
  formatNumber,
  formatObserved,
  formatPercent,
  formatRatePerSec,
  formatSignificant,
  formatUs,
} from './format.ts';

describe('formatSignificant', () => {
  it.each([
    [0, '0'],
    [1.234, '1.23'],
    [9.996, '10.0'],
    [12.34, '12.3'],
    [99.96, '100'],
    [123.4, '123'],
    [1234.5, '1235'],
    [-12.34, '-12.3'],
  ])('%d → %s', (value, text) => expect(formatSignificant(value)).toBe(text));
});

describe('formatUs', () => {
  it.each([
    [0, '0 µs'],
    [850, '850 µs'],
    [999.4, '999 µs'],
    [999.6, '1.00 ms'],
    [1_234, '1.23 ms'],
    [12_345, '12.3 ms'],
    [123_456, '123 ms'],
    [999_600, '1.00 s'],
    [1_240_000, '1.24 s'],
    [12_345_678, '12.3 s'],
    [3_600_000_000, '3600 s'],
    [Number.NaN, '—'],
  ])('%d µs → %s', (us, text) => expect(formatUs(us)).toBe(text));
});

describe('formatMs', () => {
  it.each([
    [0.85, '850 µs'],
    [12.34, '12.3 ms'],
    [1_240, '1.24 s'],
    [30_000, '30.0 s'],
  ])('%d ms → %s', (ms, text) => expect(formatMs(ms)).toBe(text));
});

describe('counts, rates, percentages', () => {
  it.each([
    [formatCount(0), '0'],
    [formatCount(12_345), '12,345'],
    [formatCount(1.5), '1.5'],
    [formatRatePerSec(0.5), '0.50/s'],
    [formatRatePerSec(12.34, 'it'), '12.3 it/s'],
    [formatRatePerSec(12_345.6, 'it'), '12,346 it/s'],
    [formatPercent(98.24), '98.2%'],
    [formatPercent(5), '5.00%'],
    [formatNumber(0.01234), '0.0123'],
    [formatNumber(14), '14'],
    [formatNumber(12_345.6), '12,346'],
  ])('%s is %s', (actual, expected) => expect(actual).toBe(expected));
});

describe('formatObserved', () => {
  it.each([
    [12.34, 'ms', '12.3 ms'],
    [1_500, 'ms', '1.50 s'],
    [850, 'us', '850 µs'],
    [850, 'µs', '850 µs'],
    [1.5, 's', '1.50 s'],
    [14, 'none', '14'],
    [0.0123, 'none', '0.0123'],
    [2.5, '%', '2.50%'],
    [12.34, '/s', '12.3/s'],
    [undefined, 'ms', 'no data'],
  ])('%s %s → %s', (value, unit, text) => expect(formatObserved(value, unit)).toBe(text));
});

describe('formatClock', () => {
  it.each([
    [0, '00:00'],
    [7_900, '00:07'],
    [750_000, '12:30'],
    [3_723_000, '1:02:03'],
    [-5, '00:00'],
  ])('%d ms → %s', (ms, text) => expect(formatClock(ms)).toBe(text));
});
