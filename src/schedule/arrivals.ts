import type { OpenSchedulePlan, PlanSegment, SchedulePlan } from './plan.ts';

/* When arrivals start in an open model. The rate is piecewise linear, so the number of
 * arrivals due by time t, N(t), is the area under it: exact, no simulation, no drift.
 *
 * Arrival k (k = 0, 1, 2, ...) starts at T(k), the moment N passes k. So a constant rate R per
 * unit starts arrival k at k·unit/R, the first one at 0, and a ramp from 0 starts its first
 * arrival at 0 too. While the rate is 0 nothing starts: an arrival due exactly at the start of a
 * zero-rate stretch waits for the rate to rise again. Counting follows from the definition:
 * arrival k falls in [from, to) exactly when N(from) ≤ k < N(to).
 *
 * k6 counts from 1 in ramping-arrival-rate and from 0 in constant-arrival-rate; we count from 0
 * in both so a ramping stage at a constant rate is the same plan as constant-arrival-rate. */

/** Intended start times (ms from run start) of all arrivals in [fromMs, toMs), ascending. Closed model: []. */
export function arrivalsBetween(plan: SchedulePlan, fromMs: number, toMs: number): number[] {
  if (plan.model !== 'open') return [];
  const start = Math.max(0, fromMs);
  const end = Math.min(toMs, plan.durationMs);
  if (!(start < end)) return [];
  const pieces = piecesOf(plan);
  // N's floating-point value may sit a hair off an integer; widen by one on each side and
  // let each arrival's own start time decide, so adjacent windows never share or drop one.
  const first = Math.max(0, Math.ceil(arrivalsDueBy(pieces, plan, start)) - 1);
  const last = Math.ceil(arrivalsDueBy(pieces, plan, end)) + 1;
  const times: number[] = [];
  for (let k = first; k <= last; k++) {
    const timeMs = startOfArrival(pieces, plan, k);
    if (timeMs >= end) break;
    if (timeMs >= start && ownsArrival(plan, k)) times.push(timeMs);
  }
  return times;
}

/** How many arrivals the whole run starts (0 for a closed model). */
export function totalArrivals(plan: SchedulePlan): number {
  if (plan.model !== 'open') return 0;
  const pieces = piecesOf(plan);
  let count = Math.ceil(arrivalsDueBy(pieces, plan, plan.durationMs)) + 1;
  while (count > 0 && startOfArrival(pieces, plan, count - 1) >= plan.durationMs) count--;
  if (!plan.share) return count;
  // Arrivals index, index + of, index + 2·of, ... below count.
  return Math.max(0, Math.ceil((count - plan.share.index) / plan.share.of));
}

/** Whether arrival k is this plan's to start (a worker's share: every `of`-th arrival, from `index`). */
function ownsArrival(plan: OpenSchedulePlan, k: number): boolean {
  return !plan.share || k % plan.share.of === plan.share.index;
}

/** The planned arrival rate at timeMs, per second (0 outside the run and for a closed model). */
export function ratePerSecAt(plan: SchedulePlan, timeMs: number): number {
  if (plan.model !== 'open' || !(timeMs >= 0 && timeMs < plan.durationMs)) return 0;
  const segment = plan.segments.find((s) => timeMs < s.startMs + s.durationMs) as PlanSegment;
  const perUnit = segment.from + ((segment.to - segment.from) * (timeMs - segment.startMs)) / segment.durationMs;
  return (perUnit * 1_000) / plan.timeUnitMs;
}

/** A segment with the arrivals due before and by its end. */
interface Piece extends PlanSegment {
  before: number;
  after: number;
}

function piecesOf(plan: OpenSchedulePlan): Piece[] {
  let before = 0;
  return plan.segments.map((segment) => {
    const after = before + ((segment.from + segment.to) / 2) * (segment.durationMs / plan.timeUnitMs);
    const piece = { ...segment, before, after };
    before = after;
    return piece;
  });
}

/** N(t): arrivals due by timeMs, as a real number. */
function arrivalsDueBy(pieces: Piece[], plan: OpenSchedulePlan, timeMs: number): number {
  for (const piece of pieces) {
    if (timeMs < piece.startMs + piece.durationMs) {
      const tauMs = timeMs - piece.startMs;
      const area = piece.from * tauMs + ((piece.to - piece.from) * tauMs * tauMs) / (2 * piece.durationMs);
      return piece.before + area / plan.timeUnitMs;
    }
  }
  return pieces[pieces.length - 1]?.after ?? 0;
}

/** T(k): when arrival k starts, in ms from run start; Infinity when the run ends first. */
function startOfArrival(pieces: Piece[], plan: OpenSchedulePlan, k: number): number {
  // The first piece whose area carries N past k; zero-rate pieces never do.
  const piece = pieces.find((p) => p.after > k);
  if (!piece) return Infinity;
  const { from, to, durationMs } = piece;
  // Solve from·τ + (to − from)·τ²/(2·durationMs) = q for τ in the piece.
  const q = (k - piece.before) * plan.timeUnitMs;
  let tauMs: number;
  if (q <= 0) {
    tauMs = 0;
  } else if (from === to) {
    tauMs = q / from;
  } else {
    // The root written as 2q / (from + √…) stays accurate when from is 0 and when the
    // rate falls (to < from), where the textbook form cancels.
    const discriminant = Math.max(0, from * from + (2 * (to - from) * q) / durationMs);
    tauMs = (2 * q) / (from + Math.sqrt(discriminant));
  }
  return snapToNs(piece.startMs + Math.min(tauMs, durationMs));
}

/** Whole nanoseconds, like k6's time.Duration: an arrival due at 1000 ms is not at 999.9999999. */
function snapToNs(ms: number): number {
  return Math.round(ms * 1e6) / 1e6;
}
