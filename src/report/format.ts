/**
 * Numbers for people: three significant digits and a unit that keeps them short.
 * '850 µs', '12.3 ms', '1.24 s', '12,345'.
 */

/** Three significant digits, at most; no exponent for large values ('1234' stays '1234'). */
export function formatSignificant(value: number): string {
  const magnitude = Math.abs(value);
  for (const [decimals, below] of [[2, 10], [1, 100]] as const) {
    const text = value.toFixed(decimals);
    if (Math.abs(Number(text)) < below) return magnitude === 0 ? '0' : text;
  }
  return value.toFixed(0);
}

/** A duration given in microseconds, in µs, ms or s, whichever keeps it to three digits. */
export function formatUs(us: number): string {
  if (!Number.isFinite(us)) return '—';
  if (Math.round(us) < 1_000) return `${Math.round(us)} µs`;
  const ms = formatSignificant(us / 1_000);
  if (Number(ms) < 1_000) return `${ms} ms`;
  return `${formatSignificant(us / 1_000_000)} s`;
}

export function formatMs(ms: number): string {
  return formatUs(ms * 1_000);
}

/** Whole counts with thousands separators; fractional ones to two decimals. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '—';
  return n.toLocaleString('en-US', { maximumFractionDigits: Number.isInteger(n) ? 0 : 2 });
}

/** A rate per second: '0.50/s', '12.3 it/s', '1,234/s'. */
export function formatRatePerSec(perSec: number, what = ''): string {
  if (!Number.isFinite(perSec)) return '—';
  const n = perSec >= 1_000 ? formatCount(Math.round(perSec)) : formatSignificant(perSec);
  return what === '' ? `${n}/s` : `${n} ${what}/s`;
}

export function formatPercent(percent: number): string {
  if (!Number.isFinite(percent)) return '—';
  return `${formatSignificant(percent)}%`;
}

/** A bare number: whole ones with separators, fractions to three significant digits (0.0123). */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return '—';
  if (Number.isInteger(n) || Math.abs(n) >= 1_000) return formatCount(Math.round(n));
  return String(Number(n.toPrecision(3)));
}

/**
 * A threshold's observed value in the unit its threshold was written in: 'us'/'µs', 'ms', 's'
 * (shown in whichever of µs, ms, s reads best); 'none' or '' (counts and rates: a bare number);
 * '%'; anything else is appended as is ('/s' → '12.3/s').
 */
export function formatObserved(value: number | undefined, unit: string): string {
  if (value === undefined || Number.isNaN(value)) return 'no data';
  switch (unit) {
    case 'us':
    case 'µs':
      return formatUs(value);
    case 'ms':
      return formatMs(value);
    case 's':
      return formatUs(value * 1_000_000);
    case '%':
      return formatPercent(value);
    case 'none':
    case '':
      return formatNumber(value);
    default:
      return unit.startsWith('/') ? `${formatNumber(value)}${unit}` : `${formatNumber(value)} ${unit}`;
  }
}

/** Elapsed time on a clock: '00:07', '12:30', '1:02:03'. */
export function formatClock(ms: number): string {
  const totalS = Math.max(0, Math.floor(ms / 1_000));
  const h = Math.floor(totalS / 3_600);
  const m = Math.floor((totalS % 3_600) / 60);
  const s = totalS % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${two(m)}:${two(s)}`;
}
