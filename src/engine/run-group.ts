import { nowUs } from '../client/clock.ts';
import type { MetricsSink } from '../client/sink.ts';
import { arrivalsBetween, vusAt, type SchedulePlan } from '../schedule/index.ts';
import type { ActorGroup, SeededWorld } from '../scenario/types.ts';
import { sleep, VuState, type UserFactory } from './vu.ts';

export interface GroupRun {
  name: string;
  /** VUs currently running an iteration. */
  readonly busyVus: number;
  /** VUs created so far. */
  readonly createdVus: number;
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
  /** Multiplies every think() pause: the --duration factor (default 1). */
  thinkFactor?: number;
  onIterationError(error: unknown, group: string): void;
}

const TICK_MS = 10;
const RAMP_TICK_MS = 100;

/** Plays one actor group's schedule: VUs, arrivals, iterations. */
export function runGroup(options: GroupRunOptions): GroupRun {
  const { group, plan, metrics, abortSignal, stopSignal } = options;
  const vus: VuState[] = [];
  const inFlight = new Set<Promise<void>>();
  let busy = 0;
  const groupTags = { group: options.name };

  const newVu = () => {
    const vu = new VuState(vus.length + 1, options.slotOffset + vus.length, options.world, options.createUser, abortSignal, options.thinkFactor);
    vus.push(vu);
    return vu;
  };

  async function iterate(vu: VuState, intendedUs: number | undefined): Promise<void> {
    const startUs = nowUs();
    vu.timing.lagUs = intendedUs === undefined ? undefined : Math.max(0, startUs - intendedUs);
    busy++;
    try {
      const ctx = vu.context();
      if (!vu.setupDone) {
        vu.setupDone = true;
        await group.setup?.(ctx);
      }
      await group.iteration(ctx);
      metrics.latency('iteration', groupTags).record(startUs, nowUs(), intendedUs);
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

  async function playOpen(t0Us: number): Promise<void> {
    const idle: VuState[] = [];
    for (let i = 0; i < plan.preAllocatedVUs; i++) idle.push(newVu());
    let fromMs = 0;
    while (!stopSignal.aborted && fromMs < plan.durationMs) {
      await sleep(TICK_MS, stopSignal).catch(() => undefined);
      const toMs = Math.min(plan.durationMs, (nowUs() - t0Us) / 1000);
      if (stopSignal.aborted) break;
      for (const atMs of arrivalsBetween(plan, fromMs, toMs)) {
        const vu = idle.pop() ?? (vus.length < plan.maxVUs ? newVu() : undefined);
        if (!vu) {
          // Open model: no free VU means the arrival is lost, and counted, never delayed.
          metrics.counter('dropped_iterations', groupTags).add();
          continue;
        }
        track(iterate(vu, t0Us + atMs * 1000).finally(() => idle.push(vu)));
      }
      fromMs = toMs;
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
          await iterate(vu, undefined);
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
  });

  return {
    name: options.name,
    get busyVus() {
      return busy;
    },
    get createdVus() {
      return vus.length;
    },
    scheduleEnded,
    done,
  };
}
