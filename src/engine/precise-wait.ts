import { nowUs } from '../client/clock.ts';
import { sleep } from './vu.ts';

/*
 * Waiting for an arrival's due time. A Node timer fires on whole milliseconds of the loop's
 * cached clock and then waits for the OS to wake the process: measured, a re-armed timer starts
 * an arrival 0.9 ms late at the median and 2-3 ms late at p99 on an idle 2-core VM. So the timer
 * is armed for a little before the due time, and the last stretch is covered by yielding to the
 * event loop (setImmediate) until the clock says the time has come: the median lateness falls to
 * microseconds and p99 under 2 ms. Each yield still polls I/O, so nothing waits behind the spin;
 * what it costs is CPU the process would otherwise have slept through. A budget keeps that cost
 * bounded: at most `spinBudgetPerSecMs` of spinning per second of wall time (10% of a core by
 * default); past it, arrivals fall back to the timer alone and `schedule_lag` shows the difference.
 */

export interface SpinBudget {
  /** May a spin of up to `spinUs` start at `atUs`? Takes it from the budget when it may. */
  take(atUs: number, spinUs: number): boolean;
  /** Give back what a spin did not use (it ended early, or was cut short). */
  refund(spinUs: number): void;
}

/** A token bucket of spin time: refills at `perSecUs` per second of wall time, holds at most that. */
export function createSpinBudget(perSecUs: number): SpinBudget {
  let tokensUs = perSecUs;
  let lastUs: number | undefined;
  return {
    take(atUs, spinUs) {
      if (lastUs !== undefined) tokensUs = Math.min(perSecUs, tokensUs + ((atUs - lastUs) * perSecUs) / 1_000_000);
      lastUs = atUs;
      if (tokensUs < spinUs) return false;
      tokensUs -= spinUs;
      return true;
    },
    refund(spinUs) {
      tokensUs = Math.min(perSecUs, tokensUs + Math.max(0, spinUs));
    },
  };
}

export interface PreciseWaitOptions {
  /** How long before the due time the timer hands over to the spin. Default 1.5 ms. */
  spinWindowUs?: number;
  /** Spin time allowed per second of wall time. Default 100 ms (10% of a core). */
  spinBudgetPerSecMs?: number;
}

export type WaitUntilUs = (dueUs: number, signal: AbortSignal) => Promise<void>;

/** A waiter for one run's schedule: resolves at `dueUs` (the nowUs clock) or when `signal` aborts. */
export function createPreciseWait(options: PreciseWaitOptions = {}): WaitUntilUs {
  const spinWindowUs = options.spinWindowUs ?? 1_500;
  const budget = createSpinBudget((options.spinBudgetPerSecMs ?? 100) * 1_000);
  return async (dueUs, signal) => {
    for (;;) {
      const remainingUs = dueUs - nowUs();
      if (remainingUs <= 0 || signal.aborted) return;
      if (remainingUs > spinWindowUs) {
        await sleep(Math.max(1, Math.floor((remainingUs - spinWindowUs) / 1_000)), signal).catch(() => undefined);
        continue;
      }
      const startUs = nowUs();
      if (!budget.take(startUs, remainingUs)) {
        // Over budget: the timer alone (re-armed until due), as late as the platform makes it.
        await sleep(Math.ceil(remainingUs / 1_000), signal).catch(() => undefined);
        continue;
      }
      while (nowUs() < dueUs && !signal.aborted) await new Promise<void>((resolve) => setImmediate(resolve));
      budget.refund(remainingUs - (nowUs() - startUs));
      return;
    }
  };
}
