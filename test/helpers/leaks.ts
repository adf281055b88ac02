/**
 * What a piece of code leaves behind that would keep a CLI process alive: referenced timers it
 * created (with where they were created) and sockets or servers it opened (handles, by kind).
 * `await watchLeaks(body)` runs body, then waits `settleMs` and returns what is still pending.
 */
export async function watchLeaks<T>(body: () => Promise<T>, settleMs = 300): Promise<{ result: T; pendingTimers: string[]; leakedHandles: [string, number][] }> {
  const realSetTimeout = globalThis.setTimeout;
  const realSetInterval = globalThis.setInterval;
  const timers: { timer: NodeJS.Timeout; stack: string }[] = [];
  const track = <F extends (...args: any[]) => NodeJS.Timeout>(real: F) =>
    ((...args: unknown[]) => {
      const timer = (real as any)(...args) as NodeJS.Timeout;
      timers.push({ timer, stack: new Error().stack?.split('\n').slice(2, 5).join(' <- ') ?? '' });
      return timer;
    }) as unknown as F;
  const handlesBefore = handleCounts();
  globalThis.setTimeout = track(realSetTimeout);
  globalThis.setInterval = track(realSetInterval);
  let result: T;
  try {
    result = await body();
  } finally {
    globalThis.setTimeout = realSetTimeout;
    globalThis.setInterval = realSetInterval;
  }
  await new Promise((resolve) => realSetTimeout(resolve, settleMs));
  const pendingTimers = timers
    .filter(({ timer }) => timer.hasRef() && !(timer as unknown as { _destroyed: boolean })._destroyed)
    .map((p) => p.stack);
  const leakedHandles = [...handleCounts()].filter(([kind, n]) => n > (handlesBefore.get(kind) ?? 0));
  return { result, pendingTimers, leakedHandles };
}

/** Open handles by kind, timers aside (they are tracked one by one above). */
function handleCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) if (kind !== 'Timeout') counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}
