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
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
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

/** Pure verdict over the windows sampled during a run and how late its arrivals started. */
export function judgeGeneratorHealth(windows: HealthWindow[], scheduleLag?: ScheduleLag): GeneratorHealth {
  const saturatedWindows = windows.filter((w) => w.loopDelayP99Ms > SATURATED_LOOP_DELAY_MS).length;
  const worstP99 = Math.max(0, ...windows.map((w) => w.loopDelayP99Ms));
  const worstMax = Math.max(0, ...windows.map((w) => w.loopDelayMaxMs));
  const cpu = windows.length ? windows.reduce((sum, w) => sum + w.cpuPercent, 0) / windows.length : 0;
  // One hiccup (a GC pause) is not saturation; a tenth of the run is.
  const loopSaturated = saturatedWindows >= Math.max(2, Math.ceil(windows.length * 0.1));
  const lagP99Ms = scheduleLag && scheduleLag.count > 0 ? scheduleLag.p99Us / 1000 : undefined;
  const late = lagP99Ms !== undefined && (scheduleLag?.count ?? 0) >= SCHEDULE_LAG_MIN_ARRIVALS && lagP99Ms > LATE_SCHEDULE_LAG_MS;
  const health: GeneratorHealth = {
    saturated: loopSaturated || late,
    windows: windows.length,
    saturatedWindows,
    loopDelayP99Ms: round(worstP99),
    loopDelayMaxMs: round(worstMax),
    cpuPercent: round(cpu),
    ...(lagP99Ms === undefined ? {} : { scheduleLagP99Ms: round(lagP99Ms) }),
  };
  const notes: string[] = [];
  if (loopSaturated) {
    notes.push(
      `its event-loop delay p99 exceeded ${SATURATED_LOOP_DELAY_MS} ms in ${saturatedWindows} of ${windows.length} ` +
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
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  let lastCpu = process.cpuUsage();
  let lastAt = performance.now();
  const windows: HealthWindow[] = [];
  return {
    restart() {
      windows.length = 0;
      loop.reset();
      lastCpu = process.cpuUsage();
      lastAt = performance.now();
    },
    sample() {
      const now = performance.now();
      const cpu = process.cpuUsage(lastCpu);
      const window: HealthWindow = {
        loopDelayP99Ms: loop.percentile(99) / 1e6,
        loopDelayMaxMs: loop.max / 1e6,
        cpuPercent: ((cpu.user + cpu.system) / 1000 / Math.max(1, now - lastAt)) * 100,
      };
      windows.push(window);
      loop.reset();
      lastCpu = process.cpuUsage();
      lastAt = now;
      return window;
    },
    current: () => judgeGeneratorHealth(windows, scheduleLag()),
    stop() {
      loop.disable();
      return judgeGeneratorHealth(windows, scheduleLag());
    },
  };
}
