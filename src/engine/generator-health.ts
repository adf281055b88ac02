import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * The generator watching itself: when its own event loop lags, the latencies it measures
 * include its own queueing and mean little. Sampled once per window.
 */
export interface GeneratorHealth {
  saturated: boolean;
  windows: number;
  saturatedWindows: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  cpuPercent: number;
  note?: string;
}

/** A window is saturated when the loop-delay p99 in it exceeds this. */
export const SATURATED_LOOP_DELAY_MS = 50;

export interface HealthWindow {
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  cpuPercent: number;
}

/** Pure verdict over the windows sampled during a run. */
export function judgeGeneratorHealth(windows: HealthWindow[]): GeneratorHealth {
  const saturatedWindows = windows.filter((w) => w.loopDelayP99Ms > SATURATED_LOOP_DELAY_MS).length;
  const worstP99 = Math.max(0, ...windows.map((w) => w.loopDelayP99Ms));
  const worstMax = Math.max(0, ...windows.map((w) => w.loopDelayMaxMs));
  const cpu = windows.length ? windows.reduce((sum, w) => sum + w.cpuPercent, 0) / windows.length : 0;
  // One hiccup (a GC pause) is not saturation; a tenth of the run is.
  const saturated = saturatedWindows >= Math.max(2, Math.ceil(windows.length * 0.1));
  const health: GeneratorHealth = {
    saturated,
    windows: windows.length,
    saturatedWindows,
    loopDelayP99Ms: round(worstP99),
    loopDelayMaxMs: round(worstMax),
    cpuPercent: round(cpu),
  };
  if (saturated) {
    health.note =
      `the load generator was saturated: its event-loop delay p99 exceeded ${SATURATED_LOOP_DELAY_MS} ms in ` +
      `${saturatedWindows} of ${windows.length} one-second windows (worst ${round(worstP99)} ms), so measured ` +
      'latencies include the generator\'s own queueing; lower the load, or spread it over more generator processes';
  }
  return health;
}

const round = (n: number) => Math.round(n * 10) / 10;

export interface HealthSampler {
  /** Close the current window (call once a second). */
  sample(): HealthWindow;
  stop(): GeneratorHealth;
  current(): GeneratorHealth;
}

export function startHealthSampler(): HealthSampler {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  let lastCpu = process.cpuUsage();
  let lastAt = performance.now();
  const windows: HealthWindow[] = [];
  return {
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
    current: () => judgeGeneratorHealth(windows),
    stop() {
      loop.disable();
      return judgeGeneratorHealth(windows);
    },
  };
}
