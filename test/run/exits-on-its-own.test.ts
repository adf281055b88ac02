import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { startRun } from '../../src/engine/run.ts';

/**
 * Watch every timer created while `body` runs: a referenced timer still pending afterwards
 * would keep the CLI process alive. Sockets and servers show up as handles in
 * getActiveResourcesInfo.
 */
const realSetTimeout = globalThis.setTimeout;
const realSetInterval = globalThis.setInterval;
afterEach(() => {
  globalThis.setTimeout = realSetTimeout;
  globalThis.setInterval = realSetInterval;
});

function handleCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) if (kind !== 'Timeout') counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

it('leaves no referenced timer, socket or server behind once a run resolves (so the CLI exits on its own)', async () => {
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
  await startRun({ scenario: 'smoke', reportDir: mkdtempSync(join(tmpdir(), 'bazaar-leak-')) });
  globalThis.setTimeout = realSetTimeout;
  globalThis.setInterval = realSetInterval;
  await new Promise((resolve) => realSetTimeout(resolve, 300));

  const pending = timers.filter(({ timer }) => timer.hasRef() && !(timer as unknown as { _destroyed: boolean })._destroyed);
  expect(pending.map((p) => p.stack)).toEqual([]);
  const leakedHandles = [...handleCounts()].filter(([kind, n]) => n > (handlesBefore.get(kind) ?? 0));
  expect(leakedHandles).toEqual([]);
});
