import { BazaarError } from '../errors.ts';
import type { PlanSegment, SchedulePlan } from './plan.ts';

/*
 * Splitting one schedule over several workers (issue 15 §1) so that the sum is the scenario's
 * load. Pure: plans in, plans out.
 *
 * - VU counts are split whole, the remainder to the first workers: 7 VUs over 2 workers is 4 + 3.
 *   A ramp is split at each stage's ends, so every stage end sums exactly; between them each
 *   worker rounds its own line, so while ramping the sum may differ from the whole plan's by less
 *   than one VU per worker.
 * - Arrivals are dealt like cards: worker w of n starts arrivals w, w + n, w + 2n, ... of the whole
 *   plan (plan.share). The sum is exactly the plan's arrivals, at exactly their planned times,
 *   for any rate, ramp or time unit: 10/s over 2 workers is 5/s each, 3/s is 2/s + 1/s per second.
 * - maxVUs and preAllocatedVUs are split whole as VU counts are.
 */

/** `total` split into `parts` whole shares, the first ones one larger: 7 over 2 is [4, 3]. */
export function splitCount(total: number, parts: number): number[] {
  checkParts(parts);
  if (!Number.isInteger(total) || total < 0) {
    throw new BazaarError('BAZAAR_BAD_SPLIT', `cannot split ${total} VUs: a VU count is a whole number ≥ 0`);
  }
  const base = Math.floor(total / parts);
  const extra = total % parts;
  return Array.from({ length: parts }, (_, i) => base + (i < extra ? 1 : 0));
}

/** One plan per worker; their sum is `plan`. One part is the plan itself. */
export function splitPlan(plan: SchedulePlan, parts: number): SchedulePlan[] {
  checkParts(parts);
  if (parts === 1) return [plan];
  const maxVUs = splitCount(plan.maxVUs, parts);
  const preAllocatedVUs = splitCount(plan.preAllocatedVUs, parts);
  if (plan.model === 'open') {
    return maxVUs.map((max, index) => ({
      ...plan,
      segments: plan.segments.map((s) => ({ ...s })),
      maxVUs: max,
      preAllocatedVUs: preAllocatedVUs[index] as number,
      share: { index, of: parts },
    }));
  }
  const segments = splitSegments(plan.segments, parts);
  return maxVUs.map((max, index) => ({
    ...plan,
    segments: segments[index] as PlanSegment[],
    maxVUs: max,
    preAllocatedVUs: preAllocatedVUs[index] as number,
  }));
}

/** Each segment's ends split whole: worker i's segments. */
function splitSegments(segments: PlanSegment[], parts: number): PlanSegment[][] {
  const out: PlanSegment[][] = Array.from({ length: parts }, () => []);
  for (const segment of segments) {
    const from = splitCount(segment.from, parts);
    const to = splitCount(segment.to, parts);
    for (let i = 0; i < parts; i++) {
      out[i]?.push({ startMs: segment.startMs, durationMs: segment.durationMs, from: from[i] as number, to: to[i] as number });
    }
  }
  return out;
}

function checkParts(parts: number): void {
  if (!Number.isInteger(parts) || parts < 1) {
    throw new BazaarError('BAZAAR_BAD_SPLIT', `cannot split a schedule into ${parts} parts`, 'use a whole number of workers ≥ 1');
  }
}
