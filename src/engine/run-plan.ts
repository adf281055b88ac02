import { BazaarError } from '../errors.ts';
import { durationFactorFor, rescaleExecutor } from '../scenario/rescale.ts';
import type { Scenario } from '../scenario/types.ts';
import { planSchedule, type SchedulePlan } from '../schedule/index.ts';
import { parseDurationMs } from '../util/duration.ts';

export interface RunPlan {
  /** Each actor group's whole schedule, rescaled by --duration and --scale. */
  plans: Map<string, SchedulePlan>;
  /** Each group's startTime, rescaled, in ms. */
  startDelays: Map<string, number>;
  /** --duration's factor on the timeline (1 without it). */
  durationFactor: number;
  /** When the last group's schedule ends, ms from the start. */
  totalMs: number;
}

/** The schedule a run plays: every error in an executor is reported here, before any connection. */
export function planRun(scenario: Scenario, options: { durationMs?: number | undefined; scale?: number | undefined }): RunPlan {
  const planAll = (rescale: { durationFactor?: number; loadFactor?: number }) => {
    const plans = new Map<string, SchedulePlan>();
    for (const [group, spec] of Object.entries(scenario.groups)) {
      try {
        plans.set(group, planSchedule(rescaleExecutor(spec.executor, rescale), `actors.${group}.executor`));
      } catch (error) {
        if (error instanceof BazaarError) throw new BazaarError(error.code, `actor group "${group}": ${error.message}`, error.hint);
        throw error;
      }
    }
    return plans;
  };
  const startTimeMs = (group: string) => {
    const startTime = scenario.groups[group]?.startTime;
    return startTime ? parseDurationMs(startTime, `actors.${group}.startTime`) : 0;
  };
  const natural = planAll({});
  const naturalMs = Math.max(...[...natural].map(([group, plan]) => plan.durationMs + startTimeMs(group)));
  const durationFactor = options.durationMs ? durationFactorFor(naturalMs, options.durationMs) : 1;
  const plans = options.durationMs || options.scale ? planAll({ durationFactor, loadFactor: options.scale ?? 1 }) : natural;
  const startDelays = new Map<string, number>();
  for (const group of Object.keys(scenario.groups)) startDelays.set(group, Math.round(startTimeMs(group) * durationFactor));
  const totalMs = Math.max(...[...plans].map(([group, plan]) => plan.durationMs + (startDelays.get(group) ?? 0)));
  return { plans, startDelays, durationFactor, totalMs };
}
