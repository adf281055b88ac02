import { BazaarError } from '../errors.ts';
import { parseDurationMs } from '../util/duration.ts';
import type { ScenarioOptions } from './types.ts';

/**
 * Rescale a scenario: `durationFactor` stretches or compresses its timeline (so `--duration 5s`
 * plays a 60 s scenario in 5 s), `loadFactor` multiplies VUs and rates (so `--scale 0.1` plays
 * it at a tenth of the load). Pure: returns new values.
 *
 * The timeline, rescaled: executor durations and stages, `maxDuration`, `gracefulRampDown`,
 * a group's `startTime`, `think()` pauses, `options.gracefulStop` and a threshold's
 * `delayAbortEval`. They say *when* things happen in the story the scenario tells.
 * Left alone: `timeUnit` (rates stay per second: compressing time must not change the load
 * each second carries), `options.ackTimeout` and `options.connectTimeout` (with the HTTP
 * timeout derived from them), an `expect(…, withinMs)` window and a `reconnect(pauseMs)` pause.
 * Those are judgements about the target, or are measured against its own clocks (its presence
 * TTL, its token expiry), which a faster schedule does not make faster: compressed, a healthy
 * 40 ms ack would become a timeout, and a 2 s outage would no longer fit the server's TTL
 * the way the scenario meant it to.
 */
export interface Rescale {
  durationFactor?: number;
  loadFactor?: number;
}

const DURATION_KEYS = ['duration', 'maxDuration', 'gracefulRampDown', 'timeUnit'] as const;
const LOAD_KEYS = ['vus', 'startVUs', 'rate', 'startRate', 'preAllocatedVUs', 'maxVUs'] as const;

function scaleDuration(value: unknown, factor: number): unknown {
  if (typeof value !== 'string') return value;
  return `${Math.max(1, Math.round(parseDurationMs(value) * factor))}ms`;
}

function scaleLoad(value: unknown, factor: number, key: string): unknown {
  if (typeof value !== 'number') return value;
  const scaled = value * factor;
  // Rates may be fractional; VU counts stay whole and at least one where there was one.
  if (key === 'rate' || key === 'startRate') return scaled;
  return value > 0 ? Math.max(1, Math.round(scaled)) : 0;
}

export function rescaleExecutor(executor: unknown, rescale: Rescale): unknown {
  const durationFactor = rescale.durationFactor ?? 1;
  const loadFactor = rescale.loadFactor ?? 1;
  for (const [name, factor] of [['duration', durationFactor], ['load', loadFactor]] as const) {
    if (!(factor > 0) || !Number.isFinite(factor)) {
      throw new BazaarError('BAZAAR_BAD_SCALE', `${name} factor ${factor} must be a positive number`);
    }
  }
  if (typeof executor !== 'object' || executor === null) return executor;
  const out: Record<string, unknown> = { ...(executor as Record<string, unknown>) };
  for (const key of DURATION_KEYS) {
    // timeUnit is the unit rates are per: compressing time must not change the rate.
    if (key in out && key !== 'timeUnit') out[key] = scaleDuration(out[key], durationFactor);
  }
  for (const key of LOAD_KEYS) if (key in out) out[key] = scaleLoad(out[key], loadFactor, key);
  if (Array.isArray(out.stages)) {
    const ratePerStage = out.type === 'ramping-arrival-rate';
    out.stages = out.stages.map((stage: unknown) => {
      if (typeof stage !== 'object' || stage === null) return stage;
      const s = { ...(stage as Record<string, unknown>) };
      s.duration = scaleDuration(s.duration, durationFactor);
      if (typeof s.target === 'number') s.target = ratePerStage ? s.target * loadFactor : scaleLoad(s.target, loadFactor, 'vus');
      return s;
    });
  }
  return out;
}

/** Factor that fits `totalMs` of schedule into `targetMs`. */
export function durationFactorFor(totalMs: number, targetMs: number): number {
  return totalMs > 0 ? targetMs / totalMs : 1;
}

/** A scenario's options in ms, with the timeline's (gracefulStop) rescaled and the target's (timeouts) not. */
export interface RunTimings {
  ackTimeoutMs: number;
  connectTimeoutMs: number;
  gracefulStopMs: number;
  /** Multiplies every `think()` pause and `delayAbortEval`: the duration factor. */
  timelineFactor: number;
}

export function runTimings(options: ScenarioOptions = {}, durationFactor = 1): RunTimings {
  return {
    ackTimeoutMs: parseDurationMs(options.ackTimeout ?? '10s', 'options.ackTimeout'),
    connectTimeoutMs: parseDurationMs(options.connectTimeout ?? '10s', 'options.connectTimeout'),
    gracefulStopMs: Math.round(parseDurationMs(options.gracefulStop ?? '10s', 'options.gracefulStop') * durationFactor),
    timelineFactor: durationFactor,
  };
}
