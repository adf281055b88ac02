import { formatDurationMs } from '../util/duration.ts';
import type { SchedulePlan } from './plan.ts';

/**
 * One line for people, e.g.
 * "ramping-arrival-rate 0→200/s over 30s (max 2000 VUs, 200 pre-allocated)".
 */
export function describeSchedule(plan: SchedulePlan): string {
  const duration = formatDurationMs(plan.durationMs);
  const levels = [plan.segments[0]?.from ?? 0, ...plan.segments.map((segment) => segment.to)].map(formatNumber);
  switch (plan.type) {
    case 'constant-vus':
      return `constant-vus ${plan.maxVUs} VUs for ${duration}`;
    case 'ramping-vus':
      return `ramping-vus ${levels.join('→')} VUs over ${duration}`;
    case 'per-vu-iterations':
      return `per-vu-iterations ${plan.maxVUs} VUs × ${plan.iterationsPerVu ?? 0} iterations each (max ${duration})`;
    case 'constant-arrival-rate':
    case 'ramping-arrival-rate': {
      const unit = plan.timeUnitMs === 1_000 ? 's' : formatDurationMs(plan.timeUnitMs);
      const rate = plan.type === 'constant-arrival-rate'
        ? `${levels[0]}/${unit} for ${duration}`
        : `${levels.join('→')}/${unit} over ${duration}`;
      const queued = plan.whenVUsBusy === 'queue' ? ', arrivals queue when every VU is busy' : '';
      return `${plan.type} ${rate} (max ${plan.maxVUs} VUs, ${plan.preAllocatedVUs} pre-allocated${queued})`;
    }
  }
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(3)));
}
