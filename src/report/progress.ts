import { formatClock, formatCount, formatMs, formatRatePerSec } from './format.ts';

export interface ProgressForReport {
  elapsedMs: number;
  /** Planned length of the run; 0 or less when unknown (iteration-bound executors). */
  totalMs: number;
  vus: number;
  iterationsPerSec: number;
  ackP95Ms?: number;
  errors: number;
  dropped: number;
  /** Contract violations so far; undefined when not checking (--no-check). */
  violations?: number;
}

const MAX_WIDTH = 119;
const BAR_CELLS = 10;

/**
 * One live status line, under 120 characters:
 * `00:12/00:30  [████░░░░░░]   40%  VUs 50  12.3 it/s  ack p95 12.3 ms  errors 0  dropped 0`.
 */
export function renderProgressLine(p: ProgressForReport): string {
  const known = p.totalMs > 0;
  const fraction = known ? Math.min(1, Math.max(0, p.elapsedMs / p.totalMs)) : 0;
  const clock = known ? `${formatClock(p.elapsedMs)}/${formatClock(p.totalMs)}` : formatClock(p.elapsedMs);
  const filled = Math.floor(fraction * BAR_CELLS);
  const bar = known ? `[${'█'.repeat(filled)}${'░'.repeat(BAR_CELLS - filled)}]` : '';
  const percent = known ? `${String(Math.floor(fraction * 100)).padStart(3)}%` : '';
  const stats = [
    `VUs ${formatCount(p.vus)}`,
    formatRatePerSec(p.iterationsPerSec, 'it'),
    `ack p95 ${p.ackP95Ms === undefined ? '—' : formatMs(p.ackP95Ms)}`,
    `errors ${formatCount(p.errors)}`,
    `dropped ${formatCount(p.dropped)}`,
    ...(p.violations === undefined ? [] : [`violations ${formatCount(p.violations)}`]),
  ];
  const withBar = [clock, bar, percent, ...stats].filter((part) => part !== '').join('  ');
  if (withBar.length <= MAX_WIDTH) return withBar;
  // Huge counts: the numbers matter more than the bar.
  const compact = [clock, percent.trim(), ...stats].filter((part) => part !== '').join(' ');
  return compact.length <= MAX_WIDTH ? compact : `${compact.slice(0, MAX_WIDTH - 1)}…`;
}
