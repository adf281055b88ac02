import type { SchedulePlan } from './plan.ts';

/**
 * The target VU count at timeMs for a closed model (0 for an open model, before 0 and from
 * durationMs on). Ramps follow k6's ramping-vus: the count is a whole number that only reaches
 * a value when the straight line between stages does, so it rounds down while ramping up and
 * up while ramping down (10→0 over 10 s is still 10 at 0.999 s and 9 at 1 s). A 0-duration
 * stage jumps to its target.
 */
export function vusAt(plan: SchedulePlan, timeMs: number): number {
  if (plan.model !== 'closed' || !(timeMs >= 0 && timeMs < plan.durationMs)) return 0;
  for (const { startMs, durationMs, from, to } of plan.segments) {
    if (timeMs >= startMs + durationMs) continue;
    const elapsedMs = timeMs - startMs;
    if (to > from) return from + Math.floor(((to - from) * elapsedMs) / durationMs);
    if (to < from) return from - Math.floor(((from - to) * elapsedMs) / durationMs);
    return from;
  }
  return 0;
}
