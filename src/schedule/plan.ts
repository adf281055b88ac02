import { BazaarError } from '../errors.ts';
import { parseDurationMs } from '../util/duration.ts';
import { closest } from '../util/closest.ts';

/* Executors with k6's names and meanings, turned into plain data. The config comes from a
 * person's scenario file, so every field is checked and every error names the field; the plan
 * that comes out is normalized (durations in ms, defaults filled in) and never changes. */

export type Stage = { target: number; duration: string };

/**
 * What an arrival-rate executor does with an arrival that finds every VU busy (docs/latency.md).
 * 'drop' (the default, as k6): it never starts and is counted in `dropped_iterations`. 'queue':
 * it waits for the first VU to free up, and its first steps are measured from when it was due,
 * so the wait shows in the latency figures (as wrk2 measures from the intended send time).
 */
export type WhenVUsBusy = 'drop' | 'queue';
export const WHEN_VUS_BUSY = ['drop', 'queue'] as const satisfies readonly WhenVUsBusy[];

export type ExecutorConfig =
  | { type: 'constant-vus'; vus: number; duration: string }
  | { type: 'ramping-vus'; startVUs?: number; stages: Stage[]; gracefulRampDown?: string }
  | {
      type: 'constant-arrival-rate';
      rate: number;
      /** default '1s' */
      timeUnit?: string;
      duration: string;
      preAllocatedVUs?: number;
      maxVUs?: number;
      /** default 'drop' */
      whenVUsBusy?: WhenVUsBusy;
    }
  | {
      type: 'ramping-arrival-rate';
      startRate?: number;
      timeUnit?: string;
      stages: Stage[];
      preAllocatedVUs?: number;
      maxVUs?: number;
      /** default 'drop' */
      whenVUsBusy?: WhenVUsBusy;
    }
  | {
      type: 'per-vu-iterations';
      vus: number;
      iterations: number;
      /** default '10m' */
      maxDuration?: string;
    };

export type ExecutorType = ExecutorConfig['type'];

export const EXECUTOR_TYPES = [
  'constant-vus',
  'ramping-vus',
  'constant-arrival-rate',
  'ramping-arrival-rate',
  'per-vu-iterations',
] as const satisfies readonly ExecutorType[];

/**
 * One straight piece of the load line, from `from` at `startMs` to `to` at `startMs + durationMs`.
 * Closed plans count VUs; open plans count arrivals per `timeUnitMs`.
 */
export interface PlanSegment {
  startMs: number;
  durationMs: number;
  from: number;
  to: number;
}

export interface OpenSchedulePlan {
  model: 'open';
  type: 'constant-arrival-rate' | 'ramping-arrival-rate';
  durationMs: number;
  maxVUs: number;
  preAllocatedVUs: number;
  /** the unit the segments' rates are counted in (rate 30 with timeUnit '1m' stays 30 per 60000 ms) */
  timeUnitMs: number;
  /** the arrival rate, per timeUnitMs, piecewise linear; back to back from 0 to durationMs */
  segments: PlanSegment[];
  peakRatePerSec: number;
  /** an arrival that finds every VU busy: dropped and counted, or queued until one frees */
  whenVUsBusy: WhenVUsBusy;
  /**
   * This plan starts only its share of the arrivals: arrival k when k % of === index (one worker
   * of several, src/schedule/split.ts). Absent: every arrival.
   */
  share?: { index: number; of: number };
}

export interface ClosedSchedulePlan {
  model: 'closed';
  type: 'constant-vus' | 'ramping-vus' | 'per-vu-iterations';
  durationMs: number;
  maxVUs: number;
  /** VUs to create before the start: all of them, as k6 does for closed executors (= maxVUs) */
  preAllocatedVUs: number;
  /** per-vu-iterations only */
  iterationsPerVu?: number;
  /** the target VU count, piecewise linear; back to back from 0 to durationMs */
  segments: PlanSegment[];
  /** ramping-vus only (k6's default 30s): how long a VU that is ramped down may finish its iteration */
  gracefulRampDownMs?: number;
}

/** Intended start times of arrivals (open model) or target VU counts (closed model) over time. */
export type SchedulePlan = OpenSchedulePlan | ClosedSchedulePlan;

/** A stage after validation. */
export interface ParsedStage {
  target: number;
  durationMs: number;
}

/**
 * Default ceiling for maxVUs when the scenario does not set it. The default assumes an
 * iteration may take up to 10 s (Little's law: VUs in flight = rate × iteration time), which
 * overshoots badly at high rates, so it stops here; a scenario that needs more says so.
 */
export const DEFAULT_MAX_VUS_CAP = 10_000;
/** Seconds of iteration time the default maxVUs leaves room for. */
const DEFAULT_ITERATION_ALLOWANCE_SEC = 10;

const CODE = 'BAZAAR_BAD_EXECUTOR';

const OPTIONS: Record<ExecutorType, readonly string[]> = {
  'constant-vus': ['type', 'vus', 'duration'],
  'ramping-vus': ['type', 'startVUs', 'stages', 'gracefulRampDown'],
  'constant-arrival-rate': ['type', 'rate', 'timeUnit', 'duration', 'preAllocatedVUs', 'maxVUs', 'whenVUsBusy'],
  'ramping-arrival-rate': ['type', 'startRate', 'timeUnit', 'stages', 'preAllocatedVUs', 'maxVUs', 'whenVUsBusy'],
  'per-vu-iterations': ['type', 'vus', 'iterations', 'maxDuration'],
};

const EXAMPLES: Record<ExecutorType, string> = {
  'constant-vus': "{ type: 'constant-vus', vus: 10, duration: '30s' }",
  'ramping-vus': "{ type: 'ramping-vus', stages: [{ target: 50, duration: '30s' }] }",
  'constant-arrival-rate': "{ type: 'constant-arrival-rate', rate: 100, duration: '30s' }",
  'ramping-arrival-rate': "{ type: 'ramping-arrival-rate', stages: [{ target: 200, duration: '30s' }] }",
  'per-vu-iterations': "{ type: 'per-vu-iterations', vus: 10, iterations: 20 }",
};

/**
 * Validate an executor config from a scenario file and normalize it into a plan.
 * `where` names the config in error messages ('executor', or 'scenarios.chat.executor').
 */
export function planSchedule(config: unknown, where = 'executor'): SchedulePlan {
  if (!isRecord(config)) {
    fail(`${where} must be an object, got ${show(config)}`,
      `write for example ${EXAMPLES['ramping-arrival-rate']}`);
  }
  const type = readType(config, where);
  checkKeys(config, type, where);
  switch (type) {
    case 'constant-vus': {
      const vus = readInteger(config, 'vus', where, { min: 1 });
      const durationMs = readDuration(config, 'duration', where, { min: 1 });
      return {
        model: 'closed', type, durationMs, maxVUs: vus, preAllocatedVUs: vus,
        segments: [{ startMs: 0, durationMs, from: vus, to: vus }],
      };
    }
    case 'ramping-vus': {
      // k6 starts ramping-vus at 1 VU unless told otherwise.
      const startVUs = readInteger(config, 'startVUs', where, { min: 0, default: 1 });
      const stages = readStages(config, where, 'vus');
      const gracefulRampDownMs = readDuration(config, 'gracefulRampDown', where, { min: 0, default: '30s' });
      const segments = toSegments(startVUs, stages);
      const durationMs = endOf(segments);
      if (durationMs === 0) {
        fail(`${where}.stages last 0ms in total`, "give at least one stage a duration, e.g. { target: 50, duration: '30s' }");
      }
      const maxVUs = Math.max(startVUs, ...stages.map((stage) => stage.target));
      if (maxVUs === 0) {
        fail(`${where} never has a VU: startVUs and every stage target are 0`,
          "give a stage a target above 0, e.g. { target: 50, duration: '30s' }");
      }
      return { model: 'closed', type, durationMs, maxVUs, preAllocatedVUs: maxVUs, segments, gracefulRampDownMs };
    }
    case 'per-vu-iterations': {
      const vus = readInteger(config, 'vus', where, { min: 1 });
      const iterationsPerVu = readInteger(config, 'iterations', where, { min: 1 });
      const durationMs = readDuration(config, 'maxDuration', where, { min: 1, default: '10m' });
      return {
        model: 'closed', type, durationMs, maxVUs: vus, preAllocatedVUs: vus, iterationsPerVu,
        segments: [{ startMs: 0, durationMs, from: vus, to: vus }],
      };
    }
    case 'constant-arrival-rate': {
      const rate = readNumber(config, 'rate', where, { positive: true });
      const timeUnitMs = readDuration(config, 'timeUnit', where, { min: 1, default: '1s' });
      const durationMs = readDuration(config, 'duration', where, { min: 1 });
      const segments = [{ startMs: 0, durationMs, from: rate, to: rate }];
      return openPlan(config, where, type, timeUnitMs, segments);
    }
    case 'ramping-arrival-rate': {
      const startRate = readNumber(config, 'startRate', where, { positive: false, default: 0 });
      const timeUnitMs = readDuration(config, 'timeUnit', where, { min: 1, default: '1s' });
      const stages = readStages(config, where, 'rate');
      const segments = toSegments(startRate, stages);
      if (endOf(segments) === 0) {
        fail(`${where}.stages last 0ms in total`, "give at least one stage a duration, e.g. { target: 200, duration: '30s' }");
      }
      if (Math.max(startRate, ...stages.map((stage) => stage.target)) === 0) {
        fail(`${where} never starts an iteration: startRate and every stage target are 0`,
          "give a stage a target above 0, e.g. { target: 200, duration: '30s' }");
      }
      return openPlan(config, where, type, timeUnitMs, segments);
    }
  }
}

/**
 * Validate one stage. `targetKind` says what the target counts: VUs (a whole number) or
 * arrivals per timeUnit (any number ≥ 0). A zero duration is allowed and jumps to the target.
 */
export function parseStage(value: unknown, where: string, targetKind: 'vus' | 'rate' = 'vus'): ParsedStage {
  const example = targetKind === 'vus' ? "{ target: 50, duration: '30s' }" : "{ target: 200, duration: '30s' }";
  if (!isRecord(value)) {
    fail(`${where} must be an object, got ${show(value)}`, `write a stage as ${example}`);
  }
  for (const key of Object.keys(value)) {
    if (key !== 'target' && key !== 'duration') {
      fail(`${where}.${key} is not an option of a stage`, `a stage has a target and a duration: ${example}`);
    }
  }
  const target = targetKind === 'vus'
    ? readInteger(value, 'target', where, { min: 0 })
    : readNumber(value, 'target', where, { positive: false });
  const durationMs = readDuration(value, 'duration', where, { min: 0 });
  return { target, durationMs };
}

function openPlan(
  config: Record<string, unknown>,
  where: string,
  type: OpenSchedulePlan['type'],
  timeUnitMs: number,
  segments: PlanSegment[],
): OpenSchedulePlan {
  const peakPerUnit = Math.max(...segments.flatMap((segment) => [segment.from, segment.to]));
  const peakRatePerSec = (peakPerUnit * 1_000) / timeUnitMs;
  const givenPre = readOptionalInteger(config, 'preAllocatedVUs', where, 0);
  const givenMax = readOptionalInteger(config, 'maxVUs', where, 1);
  if (givenPre !== undefined && givenMax !== undefined && givenMax < givenPre) {
    fail(`${where}.maxVUs (${givenMax}) is less than ${where}.preAllocatedVUs (${givenPre})`,
      `raise maxVUs to at least ${givenPre}, or lower preAllocatedVUs`);
  }
  const maxVUs = givenMax ?? Math.max(
    givenPre ?? 0,
    Math.min(DEFAULT_MAX_VUS_CAP, Math.ceil(peakRatePerSec * DEFAULT_ITERATION_ALLOWANCE_SEC)),
  );
  const preAllocatedVUs = givenPre ?? Math.min(maxVUs, Math.ceil(peakRatePerSec));
  const whenVUsBusy = readWhenVUsBusy(config, where);
  return {
    model: 'open', type, durationMs: endOf(segments), maxVUs, preAllocatedVUs, timeUnitMs, segments, peakRatePerSec,
    whenVUsBusy,
  };
}

function readWhenVUsBusy(config: Record<string, unknown>, where: string): WhenVUsBusy {
  const value = config.whenVUsBusy ?? 'drop';
  if (typeof value !== 'string' || !(WHEN_VUS_BUSY as readonly string[]).includes(value)) {
    const near = typeof value === 'string' ? closest(value, WHEN_VUS_BUSY) : undefined;
    fail(`${where}.whenVUsBusy ${show(value)} is not one of ${WHEN_VUS_BUSY.map((v) => `'${v}'`).join(', ')}`,
      `${near ? `did you mean '${near}'? ` : ''}'drop' (default) counts an arrival that finds every VU busy in ` +
      "dropped_iterations; 'queue' starts it when a VU frees and measures it from when it was due");
  }
  return value as WhenVUsBusy;
}

function toSegments(start: number, stages: ParsedStage[]): PlanSegment[] {
  const segments: PlanSegment[] = [];
  let from = start;
  let startMs = 0;
  for (const stage of stages) {
    segments.push({ startMs, durationMs: stage.durationMs, from, to: stage.target });
    startMs += stage.durationMs;
    from = stage.target;
  }
  return segments;
}

function endOf(segments: PlanSegment[]): number {
  const last = segments[segments.length - 1];
  return last ? last.startMs + last.durationMs : 0;
}

function readType(config: Record<string, unknown>, where: string): ExecutorType {
  const type = config.type;
  const valid = EXECUTOR_TYPES.join(', ');
  if (type === undefined) {
    if (typeof config.executor === 'string') {
      // k6 spells it `executor: 'ramping-vus'`; people coming from k6 will write that.
      fail(`${where} has no type (found executor: ${show(config.executor)})`,
        `bazaar names the executor with type: write { type: ${show(config.executor)}, ... }`);
    }
    fail(`${where}.type is missing`, `set type to one of: ${valid}`);
  }
  if (typeof type !== 'string' || !(EXECUTOR_TYPES as readonly string[]).includes(type)) {
    const near = typeof type === 'string' ? closest(type, EXECUTOR_TYPES) : undefined;
    fail(`${where}.type ${show(type)} is not an executor`,
      `${near ? `did you mean '${near}'? ` : ''}use one of: ${valid}`);
  }
  return type as ExecutorType;
}

function checkKeys(config: Record<string, unknown>, type: ExecutorType, where: string): void {
  const allowed = OPTIONS[type];
  for (const key of Object.keys(config)) {
    if (!allowed.includes(key)) {
      const near = closest(key, allowed);
      fail(`${where}.${key} is not an option of ${type}`,
        `${near ? `did you mean ${near}? ` : ''}${type} takes: ${allowed.join(', ')}`);
    }
  }
}

function readStages(config: Record<string, unknown>, where: string, targetKind: 'vus' | 'rate'): ParsedStage[] {
  const stages = config.stages;
  const example = targetKind === 'vus'
    ? "[{ target: 50, duration: '30s' }, { target: 0, duration: '10s' }]"
    : "[{ target: 200, duration: '30s' }, { target: 0, duration: '10s' }]";
  if (stages === undefined) fail(`${where}.stages is missing`, `write stages: ${example}`);
  if (!Array.isArray(stages)) fail(`${where}.stages must be a list, got ${show(stages)}`, `write stages: ${example}`);
  if (stages.length === 0) fail(`${where}.stages is empty`, `write stages: ${example}`);
  return stages.map((stage, index) => parseStage(stage, `${where}.stages[${index}]`, targetKind));
}

function readDuration(
  config: Record<string, unknown>,
  key: string,
  where: string,
  options: { min: number; default?: string },
): number {
  const value = config[key] ?? options.default;
  const what = `${where}.${key}`;
  if (value === undefined) fail(`${what} is missing`, "write a duration with a unit, e.g. '30s'");
  if (typeof value !== 'string') {
    fail(`${what} ${show(value)} is not a duration`,
      typeof value === 'number'
        ? `write it as a string with a unit: '${value}s' or '${value}ms'`
        : "write a string with a unit: '500ms', '30s', '1m30s' or '1h'");
  }
  const ms = parseDurationMs(value, what);
  if (ms < options.min) {
    fail(`${what} "${value}" must be longer than 0`, "write a positive duration, e.g. '30s'");
  }
  return ms;
}

function readInteger(
  config: Record<string, unknown>,
  key: string,
  where: string,
  options: { min: number; default?: number },
): number {
  const value = config[key] ?? options.default;
  if (value === undefined) fail(`${where}.${key} is missing`, `set ${key} to a whole number of at least ${options.min}`);
  if (typeof value !== 'number' || !Number.isInteger(value) || value < options.min) {
    fail(`${where}.${key} ${show(value)} is not a whole number of at least ${options.min}`,
      `write ${key}: ${Math.max(options.min, 1)} or more, without quotes`);
  }
  return value;
}

function readOptionalInteger(config: Record<string, unknown>, key: string, where: string, min: number): number | undefined {
  return config[key] === undefined ? undefined : readInteger(config, key, where, { min });
}

function readNumber(
  config: Record<string, unknown>,
  key: string,
  where: string,
  options: { positive: boolean; default?: number },
): number {
  const value = config[key] ?? options.default;
  const bound = options.positive ? 'above 0' : '0 or more';
  if (value === undefined) fail(`${where}.${key} is missing`, `set ${key} to a number ${bound}`);
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (options.positive && value === 0)) {
    fail(`${where}.${key} ${show(value)} is not a number ${bound}`,
      `write ${key} as a plain number ${bound}, e.g. ${key}: 100 (per timeUnit, default '1s')`);
  }
  return value;
}

function fail(message: string, hint: string): never {
  throw new BazaarError(CODE, message, hint);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return Array.isArray(value) ? 'a list' : `a ${typeof value}`.replace('a object', 'an object');
}

