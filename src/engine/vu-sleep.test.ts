import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { AbortedError, sleep } from './vu.ts';

describe('sleep (think pauses on a group\'s shared signal)', () => {
  it('resolves after its pause while the signal stays live', async () => {
    const controller = new AbortController();
    await expect(sleep(20, controller.signal)).resolves.toBeUndefined();
  });

  it('rejects every pending sleep with AbortedError when the signal aborts, and a sleep after it at once', async () => {
    const controller = new AbortController();
    const pending = Array.from({ length: 100 }, () => sleep(60_000, controller.signal));
    controller.abort();
    const outcomes = await Promise.allSettled(pending);
    expect(outcomes.every((o) => o.status === 'rejected' && o.reason instanceof AbortedError)).toBe(true);
    await expect(sleep(60_000, controller.signal)).rejects.toBeInstanceOf(AbortedError);
  });

  it('holds one abort listener on the signal however many sleeps are pending (each add would walk them all)', async () => {
    const controller = new AbortController();
    const pending = Array.from({ length: 1_000 }, () => sleep(60_000, controller.signal).catch(() => undefined));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort();
    await Promise.all(pending);
  });

});
