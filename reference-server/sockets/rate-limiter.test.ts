import { describe, expect, it } from 'vitest';
import { createRateLimiter, type RateLimiter } from './rate-limiter.ts';

const options = { ratePerSec: 100, burst: 200, sustainedMs: 5_000 };

/** Calls take() `count` times at `nowMs`; returns how many of each verdict. */
function takeMany(limiter: RateLimiter, count: number, nowMs: number) {
  const verdicts = { ok: 0, limited: 0, disconnect: 0 };
  for (let i = 0; i < count; i++) verdicts[limiter.take(nowMs)] += 1;
  return verdicts;
}

/**
 * Sends `perStep` events every `stepMs` from `fromMs` (inclusive) to `toMs` (exclusive);
 * returns the verdicts and the time of the first 'disconnect', if any.
 */
function drive(limiter: RateLimiter, fromMs: number, toMs: number, stepMs: number, perStep: number) {
  const verdicts = { ok: 0, limited: 0, disconnect: 0 };
  let firstDisconnectMs: number | undefined;
  for (let t = fromMs; t < toMs; t += stepMs) {
    for (let i = 0; i < perStep; i++) {
      const verdict = limiter.take(t);
      verdicts[verdict] += 1;
      if (verdict === 'disconnect') firstDisconnectMs ??= t;
    }
  }
  return { verdicts, firstDisconnectMs };
}

describe('createRateLimiter', () => {
  it('allows a full burst at once, then refuses', () => {
    const limiter = createRateLimiter(options, 0);
    expect(takeMany(limiter, 200, 0)).toEqual({ ok: 200, limited: 0, disconnect: 0 });
    expect(takeMany(limiter, 5, 0)).toEqual({ ok: 0, limited: 5, disconnect: 0 });
  });

  it('refills at the configured rate, never beyond the burst', () => {
    const limiter = createRateLimiter(options, 0);
    takeMany(limiter, 200, 0);
    // 100 ms at 100/s is 10 tokens.
    expect(takeMany(limiter, 15, 100)).toEqual({ ok: 10, limited: 5, disconnect: 0 });
    // A long pause refills the bucket to the burst and no further.
    expect(takeMany(limiter, 250, 60_000)).toEqual({ ok: 200, limited: 50, disconnect: 0 });
  });

  it('never refuses a socket that stays at the rate', () => {
    const limiter = createRateLimiter(options, 0);
    takeMany(limiter, 200, 0);
    // 1 event every 10 ms = 100/s, for 20 s.
    const { verdicts } = drive(limiter, 10, 20_010, 10, 1);
    expect(verdicts).toEqual({ ok: 2_000, limited: 0, disconnect: 0 });
  });

  it('says disconnect once refusals have been sustained for sustainedMs, not before', () => {
    const limiter = createRateLimiter(options, 0);
    takeMany(limiter, 200, 0);
    // 200/s against a 100/s refill: every 10 ms one event passes and one is refused.
    const before = drive(limiter, 10, 4_900, 10, 2);
    expect(before.verdicts.disconnect).toBe(0);
    expect(before.verdicts.limited).toBeGreaterThan(0);
    expect(before.verdicts.ok).toBeGreaterThan(0);
    const after = drive(limiter, 4_900, 5_200, 10, 2);
    expect(after.firstDisconnectMs).toBeDefined();
    expect(after.firstDisconnectMs!).toBeGreaterThanOrEqual(options.sustainedMs);
  });

  it('keeps saying disconnect while the socket keeps it up', () => {
    const limiter = createRateLimiter(options, 0);
    takeMany(limiter, 200, 0);
    drive(limiter, 0, 6_000, 10, 2);
    // The last step was at 5990; 5 ms later not even one token has refilled.
    expect(takeMany(limiter, 5, 5_995)).toEqual({ ok: 0, limited: 0, disconnect: 5 });
  });

  it('a calm gap resets the sustained clock', () => {
    const limiter = createRateLimiter(options, 0);
    takeMany(limiter, 200, 0);
    // Refused for about 4 s, a 3 s pause, then refused again for about 3 s: never 5 s in a row,
    // though 5 s have passed since the first refusal.
    expect(drive(limiter, 0, 4_000, 10, 2).verdicts.disconnect).toBe(0);
    const second = drive(limiter, 7_000, 11_000, 10, 3);
    expect(second.verdicts.limited).toBeGreaterThan(0);
    expect(second.verdicts.disconnect).toBe(0);
    // Keeping it up past sustainedMs after the restart does disconnect.
    const third = drive(limiter, 11_000, 14_000, 10, 3);
    expect(third.firstDisconnectMs).toBeDefined();
  });

  it('a socket that comes back within its budget after a calm gap is served normally', () => {
    const limiter = createRateLimiter(options, 0);
    takeMany(limiter, 200, 0);
    drive(limiter, 0, 4_500, 10, 2);
    // A long pause: full bucket again, and no leftover sustained state.
    expect(takeMany(limiter, 200, 10_000)).toEqual({ ok: 200, limited: 0, disconnect: 0 });
    const { verdicts } = drive(limiter, 10_010, 20_000, 10, 1);
    expect(verdicts.limited + verdicts.disconnect).toBe(0);
  });
});
