import type { EventObserver } from '../../client/event-observer.ts';

type Hook = Exclude<keyof EventObserver, never>;

/** Every hook an observer may have: both observers get each one that either defines. */
const HOOKS = ['received', 'left', 'closed', 'booked', 'touched', 'dropped', 'sent', 'marked', 'history'] as const satisfies readonly Hook[];
// Compile-time proof that HOOKS names every hook: adding one to EventObserver without listing it here fails to type-check.
const EVERY_HOOK_LISTED: Record<Exclude<Hook, (typeof HOOKS)[number]>, never> = {};
void EVERY_HOOK_LISTED;
// And that none takes more than the four parameters bothObservers passes on.
type TooLong = { [H in Hook]: Parameters<NonNullable<EventObserver[H]>>['length'] extends 0 | 1 | 2 | 3 | 4 ? never : H }[Hook];
const NO_HOOK_TAKES_MORE_THAN_FOUR: Record<TooLong, never> = {};
void NO_HOOK_TAKES_MORE_THAN_FOUR;

/** Two observers as one: each user has one observer (one onAny listener), fed to both. */
export function bothObservers(a: EventObserver, b: EventObserver): EventObserver {
  const both: Record<string, (...args: unknown[]) => void> = {};
  for (const hook of HOOKS) {
    const first = a[hook] as ((...args: unknown[]) => void) | undefined;
    const second = b[hook] as ((...args: unknown[]) => void) | undefined;
    if (!first && !second) continue;
    // Four parameters, the most a hook takes: no rest array and no apply on every event.
    both[hook] = (w, x, y, z) => {
      first?.call(a, w, x, y, z);
      second?.call(b, w, x, y, z);
    };
  }
  return both as unknown as EventObserver;
}
