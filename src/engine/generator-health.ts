import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * The generator watching itself: when its own event loop lags, the latencies it measures
 * include its own queueing and mean little, and when its arrivals start late it does not offer
 * the load the scenario asked for. Sampled once per window.
 */
export interface GeneratorHealth {
  saturated: boolean;
  windows: number;
  saturatedWindows: number;
  /** The worst one-second window's event-loop delay p99 (what saturation is judged on). */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** The event-loop delay p99 over the whole schedule, every sample together. */
  loopDelayP99OverRunMs?: number;
  cpuPercent: number;
  /**
   * How late open-model arrivals started against the plan (`schedule_lag`), p99 over the run;
   * absent without arrival-rate groups. Never added to the target's latencies (docs/latency.md).
   */
  scheduleLagP99Ms?: number;
  note?: string;
}

/** A window is saturated when the loop-delay p99 in it exceeds this. */
export const SATURATED_LOOP_DELAY_MS = 50;
/** Arrivals are late when their schedule-lag p99 exceeds this... */
export const LATE_SCHEDULE_LAG_MS = 50;
/** ...over at least this many arrivals: below it the p99 is the worst of a handful, one GC pause. */
export const SCHEDULE_LAG_MIN_ARRIVALS = 100;

/** The run's `schedule_lag` figures, when it has arrivals. */
export interface ScheduleLag {
  count: number;
  p99Us: number;
}

export interface HealthWindow {
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  cpuPercent: number;
}

/** What is judged beside the windows: run-wide figures. */
export interface RunFigures {
  scheduleLag?: ScheduleLag | undefined;
  loopDelayP99OverRunMs?: number | undefined;
}

/**
 * What the verdict needs of the windows, folded as they come: a sampler holds this, not every
 * window, so a day-long run holds as much as a minute-long one (86,400 windows a day, kept, were
 * about 6 MB, and too many arguments for Math.max).
 */
export interface HealthTally {
  windows: number;
  saturatedWindows: number;
  worstP99Ms: number;
  worstMaxMs: number;
  cpuPercentSum: number;
}

export const emptyHealthTally = (): HealthTally => ({ windows: 0, saturatedWindows: 0, worstP99Ms: 0, worstMaxMs: 0, cpuPercentSum: 0 });

/** Fold one window into the tally (in place). */
export function tallyWindow(tally: HealthTally, w: HealthWindow): HealthTally {
  tally.windows++;
  if (w.loopDelayP99Ms > SATURATED_LOOP_DELAY_MS) tally.saturatedWindows++;
  tally.worstP99Ms = Math.max(tally.worstP99Ms, w.loopDelayP99Ms);
  tally.worstMaxMs = Math.max(tally.worstMaxMs, w.loopDelayMaxMs);
  tally.cpuPercentSum += w.cpuPercent;
  return tally;
}

/** Pure verdict over the windows sampled during a run and how late its arrivals started. */
export function judgeGeneratorHealth(windows: HealthWindow[], run: RunFigures = {}): GeneratorHealth {
  return judgeHealthTally(windows.reduce(tallyWindow, emptyHealthTally()), run);
}

/** The same verdict from the windows' tally. */
export function judgeHealthTally(tally: HealthTally, run: RunFigures = {}): GeneratorHealth {
  const { scheduleLag, loopDelayP99OverRunMs } = run;
  const { saturatedWindows } = tally;
  const worstP99 = tally.worstP99Ms;
  const worstMax = tally.worstMaxMs;
  const cpu = tally.windows ? tally.cpuPercentSum / tally.windows : 0;
  // One hiccup (a GC pause) is not saturation; a tenth of the run is.
  const loopSaturated = saturatedWindows >= Math.max(2, Math.ceil(tally.windows * 0.1));
  const lagP99Ms = scheduleLag && scheduleLag.count > 0 ? scheduleLag.p99Us / 1000 : undefined;
  const late = lagP99Ms !== undefined && (scheduleLag?.count ?? 0) >= SCHEDULE_LAG_MIN_ARRIVALS && lagP99Ms > LATE_SCHEDULE_LAG_MS;
  const health: GeneratorHealth = {
    saturated: loopSaturated || late,
    windows: tally.windows,
    saturatedWindows,
    loopDelayP99Ms: round(worstP99),
    loopDelayMaxMs: round(worstMax),
    ...(loopDelayP99OverRunMs === undefined ? {} : { loopDelayP99OverRunMs: round(loopDelayP99OverRunMs) }),
    cpuPercent: round(cpu),
    ...(lagP99Ms === undefined ? {} : { scheduleLagP99Ms: round(lagP99Ms) }),
  };
  const notes: string[] = [];
  if (loopSaturated) {
    notes.push(
      `its event-loop delay p99 exceeded ${SATURATED_LOOP_DELAY_MS} ms in ${saturatedWindows} of ${tally.windows} ` +
        `one-second windows (worst ${round(worstP99)} ms), so measured latencies include the generator's own queueing`,
    );
  }
  if (late) {
    notes.push(
      `its arrivals started late: schedule lag p99 ${round(lagP99Ms)} ms (limit ${LATE_SCHEDULE_LAG_MS} ms), so it ` +
        'did not offer the load the scenario planned',
    );
  }
  if (notes.length > 0) {
    health.note = `the load generator was saturated: ${notes.join('; and ')}; lower the load, or spread it over more generator processes`;
  }
  return health;
}

const round = (n: number) => Math.round(n * 10) / 10;

/** How often the loop is sampled: a timer every this many ms. */
export const LOOP_SAMPLE_EVERY_MS = 10;

/**
 * The delay of one loop sample, from what monitorEventLoopDelay records: the whole interval
 * between two of its timer callbacks (ns), which on an idle loop is the sampling interval itself.
 * Reported as recorded, an idle generator showed a loop delay of 10-13 ms.
 */
export function loopDelayMs(intervalNs: number): number {
  return Math.max(0, intervalNs / 1e6 - LOOP_SAMPLE_EVERY_MS);
}

export interface HealthSampler {
  /** Forget everything so far (seeding, connecting): the verdict covers the schedule only. */
  restart(): void;
  /** Close the current window (call once a second). */
  sample(): HealthWindow;
  stop(): GeneratorHealth;
  current(): GeneratorHealth;
}

/** `scheduleLag` reads the run's `schedule_lag` figures when the verdict is taken. */
export function startHealthSampler(scheduleLag: () => ScheduleLag | undefined = () => undefined): HealthSampler {
  const loop = monitorEventLoopDelay({ resolution: LOOP_SAMPLE_EVERY_MS });
  loop.enable();
  // The same samples, never reset: the p99 over the whole schedule.
  const wholeRun = monitorEventLoopDelay({ resolution: LOOP_SAMPLE_EVERY_MS });
  wholeRun.enable();
  const judge = () => judgeHealthTally(tally, {
    scheduleLag: scheduleLag(),
    loopDelayP99OverRunMs: wholeRun.count > 0 ? loopDelayMs(wholeRun.percentile(99)) : undefined,
  });
  let lastCpu = process.cpuUsage();
  let lastAt = performance.now();
  // The windows folded, not kept: a long run holds no more than a short one.
  let tally = emptyHealthTally();
  return {
    restart() {
      tally = emptyHealthTally();
      loop.reset();
      wholeRun.reset();
      lastCpu = process.cpuUsage();
      lastAt = performance.now();
    },
    sample() {
      const now = performance.now();
      const cpu = process.cpuUsage(lastCpu);
      const window: HealthWindow = {
        loopDelayP99Ms: loopDelayMs(loop.percentile(99)),
        loopDelayMaxMs: loopDelayMs(loop.max),
        cpuPercent: ((cpu.user + cpu.system) / 1000 / Math.max(1, now - lastAt)) * 100,
      };
      tallyWindow(tally, window);
      loop.reset();
      lastCpu = process.cpuUsage();
      lastAt = now;
      return window;
    },
    current: judge,
    stop() {
      loop.disable();
      wholeRun.disable();
      return judge();
    },
  };
}
