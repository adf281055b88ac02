import type { EventObserver } from '../../client/event-observer.ts';

type Hook = Exclude<keyof EventObserver, never>;

/** Every hook an observer may have: both observers get each one that either defines. */
const HOOKS = ['received', 'left', 'closed', 'booked', 'touched', 'dropped', 'sent', 'marked', 'history'] as const satisfies readonly Hook[];
// Compile-time proof that HOOKS names every hook: adding one to EventObserver without listing it here fails to type-check.
const EVERY_HOOK_LISTED: Record<Exclude<Hook, (typeof HOOKS)[number]>, never> = {};
void EVERY_HOOK_LISTED;

/** Two observers as one: each user has one observer (one onAny listener), fed to both. */
export function bothObservers(a: EventObserver, b: EventObserver): EventObserver {
  const both: Record<string, (...args: unknown[]) => void> = {};
  for (const hook of HOOKS) {
    const first = a[hook] as ((...args: unknown[]) => void) | undefined;
    const second = b[hook] as ((...args: unknown[]) => void) | undefined;
    if (!first && !second) continue;
    both[hook] = (...args) => {
      first?.apply(a, args);
      second?.apply(b, args);
    };
  }
  return both as unknown as EventObserver;
}
