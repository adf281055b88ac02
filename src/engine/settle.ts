import { sleep } from './vu.ts';

/** Whether `promise` settles within `ms`; leaves no timer behind either way. */
export async function settledWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const timer = new AbortController();
  try {
    return await Promise.race([promise.then(() => true), sleep(ms, timer.signal).then(() => false, () => false)]);
  } finally {
    timer.abort();
  }
}

export function abortedPromise(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
