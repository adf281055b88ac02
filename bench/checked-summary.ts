/* The checked-vs-unchecked phase's arithmetic (issue 14), pure: from each round's two windows,
 * the ratio of CPU per acked round trip (checked / unchecked), with the order's effect taken out.
 *
 * Each arm runs in its own process and the two take turns, the order flipping every round:
 * C U | U C | C U | ... A window right after the other arm's reads differently from one right
 * after its own (caches, the CPU's frequency, the server's state), so the ratios of rounds in
 * which the checked arm went first and of rounds in which it went second are kept apart, and
 * the figure is their geometric mean: each order weighs the same whatever the count of rounds.
 * Round 1 is a warm-up (JIT, pools, the first GCs) and is dropped. */
import type { CheckerFigures } from './checker-figures.ts';
import { median, round3 } from './summary.ts';

export interface CheckedWindow {
  cpuUsPerRoundTrip: number;
  roundTrips: number;
  failedRoundTrips: number;
  /** Share of the pinned core other processes used during the window (undefined: not pinned). */
  foreignCpuPercent?: number | undefined;
  wakeupsPerRoundTrip?: number;
  /** Kernel CPU per round trip (part of cpuUsPerRoundTrip). */
  systemCpuUsPerRoundTrip?: number;
  /** Garbage collection in the window: main-thread pause per round trip, and the collections. */
  gcPauseUsPerRoundTrip?: number;
  minorGcs?: number;
  majorGcs?: number;
}

export interface CheckedRoundInput {
  round: number;
  first: 'checked' | 'unchecked';
  checked: CheckedWindow;
  unchecked: CheckedWindow;
}

export interface CheckedRound {
  round: number;
  first: 'checked' | 'unchecked';
  checkedCpuUsPerRoundTrip: number;
  uncheckedCpuUsPerRoundTrip: number;
  ratio: number;
  checkedRoundTrips: number;
  uncheckedRoundTrips: number;
  /** The most other processes took of the pinned core in either window (undefined: not pinned). */
  foreignCpuPercent: number | undefined;
  checkedWakeupsPerRoundTrip: number | undefined;
  uncheckedWakeupsPerRoundTrip: number | undefined;
  /** Each arm's window as measured (system CPU, GC), for what the ratio is made of. */
  checked: CheckedWindow;
  unchecked: CheckedWindow;
  /** Round 1: the warm-up, shown but not counted. */
  dropped: boolean;
}

export interface CheckedRatios {
  rounds: CheckedRound[];
  /** Median ratio of the counted rounds in which the checked arm ran first, and second. */
  checkedFirstMedian: number | undefined;
  checkedSecondMedian: number | undefined;
  /** The figure judged against the target: the geometric mean of the two orders' medians (one order's median if only it ran). */
  ratio: number;
  /** Median over every counted round, whatever its order. */
  ratioMedian: number;
  ratioMin: number;
  ratioMax: number;
}


/**
 * `inTurns`: the arms took turns (the default here), and the figure is the geometric mean of the
 * two orders' medians; side by side (both arms' windows at once), order means nothing and the
 * figure is the median of the rounds' ratios.
 */
export function summarizeChecked(inputs: readonly CheckedRoundInput[], options: { inTurns?: boolean } = {}): CheckedRatios {
  const rounds: CheckedRound[] = inputs.map((input, index) => ({
    round: input.round,
    first: input.first,
    checkedCpuUsPerRoundTrip: round3(input.checked.cpuUsPerRoundTrip),
    uncheckedCpuUsPerRoundTrip: round3(input.unchecked.cpuUsPerRoundTrip),
    ratio: round3(input.checked.cpuUsPerRoundTrip / input.unchecked.cpuUsPerRoundTrip),
    checkedRoundTrips: input.checked.roundTrips,
    uncheckedRoundTrips: input.unchecked.roundTrips,
    foreignCpuPercent: input.checked.foreignCpuPercent === undefined || input.unchecked.foreignCpuPercent === undefined
      ? undefined : Math.max(input.checked.foreignCpuPercent, input.unchecked.foreignCpuPercent),
    checkedWakeupsPerRoundTrip: input.checked.wakeupsPerRoundTrip,
    uncheckedWakeupsPerRoundTrip: input.unchecked.wakeupsPerRoundTrip,
    checked: input.checked,
    unchecked: input.unchecked,
    // With a single round there is nothing else to count: it is kept.
    dropped: index === 0 && inputs.length > 1,
  }));
  const counted = rounds.filter((r) => !r.dropped);
  if (counted.length === 0) throw new Error('no round of the checked-vs-unchecked phase to summarize');
  const ratios = counted.map((r) => r.ratio);
  const byOrder = (first: CheckedRound['first']) => {
    const of = counted.filter((r) => r.first === first).map((r) => r.ratio);
    return of.length ? round3(median(of)) : undefined;
  };
  const checkedFirstMedian = byOrder('checked');
  const checkedSecondMedian = byOrder('unchecked');
  const orders = [checkedFirstMedian, checkedSecondMedian].filter((m): m is number => m !== undefined);
  return {
    rounds,
    checkedFirstMedian,
    checkedSecondMedian,
    ratio: options.inTurns === false ? round3(median(ratios)) : round3(Math.exp(orders.reduce((sum, m) => sum + Math.log(m), 0) / orders.length)),
    ratioMedian: round3(median(ratios)),
    ratioMin: Math.min(...ratios),
    ratioMax: Math.max(...ratios),
  };
}

/** The whole phase as bench/run.ts reports it: the ratios, the violations the checked arm found, the checks' own figures. */
export interface CheckedResult extends CheckedRatios, CheckerFigures {
  /** The A/A test: both arms checked (`--checked-aa`), so the ratio is the method's own bias. */
  aa?: boolean;
  /** The arms ran their windows at the same time on one core (the default), not in turns. */
  sideBySide?: boolean;
  users: number;
  windowMs: number;
  violations: number;
}

/** Issue 14: with checking on, CPU per acked round trip within 1.10x of checking off. */
export const CHECKED_CPU_RATIO_TARGET = 1.1;
/** Above this share of the arms' core taken by other processes, a window's figure is partly theirs. */
const FOREIGN_CPU_WARN_PERCENT = 5;

export function renderChecked(checked: CheckedResult): string {
  const counted = checked.rounds.filter((r) => !r.dropped);
  const ratios = (first: CheckedRound['first']) => counted.filter((r) => r.first === first).map((r) => `${r.ratio.toFixed(2)}x`).join(', ') || 'none';
  const orderMedian = (m: number | undefined) => (m === undefined ? 'n/a' : `${m.toFixed(2)}x`);
  const warmup = checked.rounds.find((r) => r.dropped);
  const unchecked = median(counted.map((r) => r.uncheckedCpuUsPerRoundTrip));
  const med = (f: (r: CheckedRound) => number | undefined) => {
    const values = counted.map(f).filter((v): v is number => v !== undefined);
    return values.length ? median(values) : undefined;
  };
  const parts = (arm: 'checked' | 'unchecked') => {
    const system = med((r) => r[arm].systemCpuUsPerRoundTrip);
    const gc = med((r) => r[arm].gcPauseUsPerRoundTrip);
    const major = med((r) => r[arm].majorGcs);
    const minor = med((r) => r[arm].minorGcs);
    if (system === undefined || gc === undefined) return undefined;
    return `${arm} ${med((r) => (arm === 'checked' ? r.checkedCpuUsPerRoundTrip : r.uncheckedCpuUsPerRoundTrip))!.toFixed(1)} µs (kernel ${system.toFixed(1)}, GC pauses ${gc.toFixed(1)}; ${minor} minor and ${major} major collections a window)`;
  };
  const made = [parts('checked'), parts('unchecked')];
  const target = CHECKED_CPU_RATIO_TARGET;
  const foreign = counted.map((r) => r.foreignCpuPercent).filter((f): f is number => f !== undefined);
  const foreignMax = foreign.length ? Math.max(...foreign) : undefined;
  return [
    `Online checking (issue 14): ${checked.users} users per arm, each in a booking of its own, an acked message:send whose message:new comes back; each arm in its own process, ${counted.length} rounds of ${checked.windowMs / 1000}s windows ${checked.sideBySide ? 'with both arms at once on one core' : 'taking turns'}${warmup ? `, after a warm-up round (${warmup.ratio.toFixed(2)}x, not counted)` : ''}`,
    checked.aa
      ? `  A/A TEST (--checked-aa: both arms checked): CPU per acked round trip, one arm / the other: ${checked.ratio.toFixed(2)}x (the method's own bias; 1.00x expected)`
      : `  CPU per acked round trip, checked / unchecked: ${checked.ratio.toFixed(2)}x, target <= ${target.toFixed(2)}x: ${checked.ratio <= target ? 'met' : 'MISSED'}`,
    ...(checked.sideBySide
      ? [`    median over rounds (the figure) ${checked.ratioMedian.toFixed(2)}x (${counted.map((r) => `${r.ratio.toFixed(2)}x`).join(', ')}), spread ${checked.ratioMin.toFixed(2)}x-${checked.ratioMax.toFixed(2)}x; unchecked round trip ${unchecked.toFixed(1)} µs CPU (median)`]
      : [
          `    checked first: median ${orderMedian(checked.checkedFirstMedian)} (${ratios('checked')}); checked second: median ${orderMedian(checked.checkedSecondMedian)} (${ratios('unchecked')}); the figure is the geometric mean of the two`,
          `    median over rounds ${checked.ratioMedian.toFixed(2)}x, spread ${checked.ratioMin.toFixed(2)}x-${checked.ratioMax.toFixed(2)}x; unchecked round trip ${unchecked.toFixed(1)} µs CPU (median)`,
        ]),
    foreignMax === undefined
      ? '    not pinned: other processes\' share of the core unknown'
      : `    others on the arms' core${checked.sideBySide ? ' (besides the two arms)' : ''}: at most ${foreignMax.toFixed(1)}% in a window${foreignMax > FOREIGN_CPU_WARN_PERCENT ? ` (above ${FOREIGN_CPU_WARN_PERCENT}%: the machine was not quiet, the ratio is partly theirs)` : ''}`,
    ...(made[0] && made[1] ? [`    per round trip, medians: ${made[0]}; ${made[1]}`] : []),
    `  the checks' own path, out of any socket: ${checked.checkerCpuUsPerRoundTrip} µs CPU per round trip (${((checked.checkerCpuUsPerRoundTrip / unchecked) * 100).toFixed(1)}% of an unchecked round trip; ${checked.checkerPathNote})`,
    `  checker memory: ${checked.bytesPerConnectedUser} B per connected user, ${checked.bytesPerActiveRoom} B per active room (${checked.memoryNote})`,
    `  violations found by the checked users: ${checked.violations} (expected 0)`,
  ].join('\n');
}
