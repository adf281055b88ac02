import { nowUs } from '../client/clock.ts';
import type { MetricsSink } from '../client/sink.ts';
import { arrivalsBetween, vusAt, type SchedulePlan } from '../schedule/index.ts';
import type { ActorGroup, SeededWorld } from '../scenario/types.ts';
import { createPreciseWait } from './precise-wait.ts';
import { sleep, VuState, type UserFactory } from './vu.ts';

export interface GroupRun {
  name: string;
  /** VUs currently running an iteration. */
  readonly busyVus: number;
  /** When the arrival this group waits for is due (nowUs clock); undefined between arrivals and for closed models. */
  readonly nextDueUs: number | undefined;
  /** VUs created so far. */
  readonly createdVus: number;
  /** Arrivals waiting for a free VU (whenVUsBusy: 'queue'). */
  readonly queuedArrivals: number;
  /** Resolves when the schedule has started its last iteration. */
  scheduleEnded: Promise<void>;
  /** Resolves when the schedule is over and every iteration has settled. */
  done: Promise<void>;
}

export interface GroupRunOptions {
  name: string;
  group: ActorGroup;
  plan: SchedulePlan;
  startDelayMs: number;
  world: SeededWorld;
  createUser: UserFactory;
  metrics: MetricsSink;
  /** Stops starting iterations (end of schedule is handled here; this is for Ctrl-C / abortOnFail). */
  stopSignal: AbortSignal;
  /** Aborts in-flight iterations (think() rejects). */
  abortSignal: AbortSignal;
  /** First VU's slot in the world, so that groups spread over it. */
  slotOffset: number;
  /** Where the n-th VU slot lands in the world (a worker's partition: src/engine/workers/partition.ts); default n itself. */
  slotOf?(index: number): number;
  /** Multiplies every think() pause: the --duration factor (default 1). */
  thinkFactor?: number;
  /** Latency beyond which a step holds up the rest of its iteration (IterationClock). */
  stallThresholdMs?: number;
  /** Every arrival's schedule lag (µs), also recorded as schedule_lag{group}: for the run-wide health verdict. */
  onScheduleLag?(lagUs: number): void;
  onIterationError(error: unknown, group: string): void;
}

const RAMP_TICK_MS = 100;
/** Arrivals are read from the plan this many ms at a time (the plan is exact; this only bounds memory). */
const ARRIVAL_WINDOW_MS = 1_000;
/** One spin budget for every group of the process: the CPU it bounds is the process's. */
const waitUntilUs = createPreciseWait();

/** Plays one actor group's schedule: VUs, arrivals, iterations. */
export function runGroup(options: GroupRunOptions): GroupRun {
  const { group, plan, metrics, abortSignal, stopSignal } = options;
  const vus: VuState[] = [];
  const inFlight = new Set<Promise<void>>();
  let busy = 0;
  const groupTags = { group: options.name };

  const newVu = () => {
    const vu = new VuState(
      vus.length + 1, options.slotOf ? options.slotOf(options.slotOffset + vus.length) : options.slotOffset + vus.length, options.world, options.createUser, abortSignal, options.stallThresholdMs, options.thinkFactor,
    );
    vus.push(vu);
    return vu;
  };

  /**
   * One iteration. `backlogUs`: how long it already waited for a free VU (queued arrivals); its
   * steps are measured from when it was dispatched. The generator's own lateness in dispatching
   * it is `schedule_lag`, never added to what the target is measured by (docs/latency.md).
   */
  async function iterate(vu: VuState, backlogUs = 0): Promise<void> {
    const startUs = nowUs();
    vu.timing.start(backlogUs);
    busy++;
    try {
      const ctx = vu.context();
      if (!vu.setupDone) {
        vu.setupDone = true;
        await group.setup?.(ctx);
      }
      await group.iteration(ctx);
      metrics.latency('iteration', groupTags).record(startUs, nowUs(), startUs - backlogUs);
      metrics.counter('iterations', groupTags).add();
    } catch (error) {
      if (abortSignal.aborted) metrics.counter('iterations_interrupted', groupTags).add();
      else options.onIterationError(error, options.name);
    } finally {
      vu.iterations++;
      busy--;
    }
  }

  const track = (promise: Promise<void>) => {
    inFlight.add(promise);
    void promise.finally(() => inFlight.delete(promise));
    return promise;
  };

  /** Dispatch times (µs) of arrivals waiting for a free VU (whenVUsBusy: 'queue'), oldest first. */
  const queued: number[] = [];
  let nextDueUs: number | undefined;
  const dropQueued = () => {
    if (queued.length > 0) metrics.counter('dropped_iterations', groupTags).add(queued.length);
    queued.length = 0;
  };

  async function playOpen(t0Us: number): Promise<void> {
    if (plan.model !== 'open') return;
    const idle: VuState[] = [];
    for (let i = 0; i < plan.preAllocatedVUs; i++) idle.push(newVu());
    const scheduleLag = metrics.latency('schedule_lag', groupTags);
    // A VU that finishes takes the oldest queued arrival, measured from when that one was dispatched.
    const release = (vu: VuState) => {
      // Stopped (Ctrl-C, abortOnFail) or past the graceful stop: what still waits never starts.
      if (stopSignal.aborted || abortSignal.aborted) dropQueued();
      const dispatchedUs = queued.shift();
      if (dispatchedUs === undefined) idle.push(vu);
      else start(vu, nowUs() - dispatchedUs);
    };
    const start = (vu: VuState, backlogUs: number) => {
      track(iterate(vu, backlogUs).finally(() => release(vu)));
    };
    // Each arrival is waited for until the plan says it is due (precise-wait.ts): no tick to wait for.
    for (let windowMs = 0; windowMs < plan.durationMs && !stopSignal.aborted; windowMs += ARRIVAL_WINDOW_MS) {
      for (const atMs of arrivalsBetween(plan, windowMs, windowMs + ARRIVAL_WINDOW_MS)) {
        const dueUs = t0Us + atMs * 1000;
        nextDueUs = dueUs;
        await waitUntilUs(dueUs, stopSignal);
        nextDueUs = undefined;
        if (stopSignal.aborted) break;
        const dispatchedUs = nowUs();
        scheduleLag.recordValueUs(dispatchedUs - dueUs);
        options.onScheduleLag?.(dispatchedUs - dueUs);
        const vu = idle.pop() ?? (vus.length < plan.maxVUs ? newVu() : undefined);
        if (vu) start(vu, 0);
        else if (plan.whenVUsBusy === 'queue') queued.push(dispatchedUs);
        // Open model, by default: no free VU means the arrival is lost, and counted (k6's dropped_iterations).
        else metrics.counter('dropped_iterations', groupTags).add();
      }
    }
  }

  async function playClosed(t0Us: number): Promise<void> {
    const perVu = plan.model === 'closed' ? plan.iterationsPerVu : undefined;
    const running = new Set<VuState>();
    const target = () => (plan.type === 'per-vu-iterations' ? plan.maxVUs : vusAt(plan, (nowUs() - t0Us) / 1000));
    const expired = () => stopSignal.aborted || (nowUs() - t0Us) / 1000 >= plan.durationMs;
    const loop = async (vu: VuState) => {
      running.add(vu);
      try {
        while (!expired() && vu.number <= target() && (perVu === undefined || vu.iterations < perVu)) {
          await iterate(vu);
        }
      } finally {
        running.delete(vu);
      }
    };
    while (!expired()) {
      const want = target();
      while (vus.length < want) track(loop(newVu()));
      // A VU parked by a ramp-down comes back when the target rises again.
      for (const vu of vus) {
        if (vu.number <= want && !running.has(vu) && (perVu === undefined || vu.iterations < perVu)) track(loop(vu));
      }
      if (perVu !== undefined && running.size === 0 && vus.length >= want) break;
      await sleep(RAMP_TICK_MS, stopSignal).catch(() => undefined);
    }
  }

  const scheduleEnded = (async () => {
    if (options.startDelayMs > 0) await sleep(options.startDelayMs, stopSignal).catch(() => undefined);
    if (stopSignal.aborted) return;
    const t0Us = nowUs();
    if (plan.model === 'open') await playOpen(t0Us);
    else await playClosed(t0Us);
  })();
  const done = scheduleEnded.then(async () => {
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    // Arrivals still queued when the run was stopped never started: dropped, and counted.
    dropQueued();
  });

  return {
    name: options.name,
    get queuedArrivals() {
      return queued.length;
    },
    get busyVus() {
      return busy;
    },
    get nextDueUs() {
      return nextDueUs;
    },
    get createdVus() {
      return vus.length;
    },
    scheduleEnded,
    done,
  };
}
