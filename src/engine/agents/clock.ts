import type { ClockReading } from './protocol.ts';

/*
 * Clocks of several machines against one reference: the Redis server's TIME, which the
 * coordinator and every agent read alike. NTP-style: a sample is (local before, Redis, local
 * after); the Redis time is taken to fall at the midpoint, so the offset is true to within half
 * the round trip, and the sample with the shortest round trip wins.
 */

export interface ClockSample {
  beforeMs: number;
  redisMs: number;
  afterMs: number;
}

/** The best reading of a few samples (pure). */
export function readClock(samples: ClockSample[]): ClockReading {
  if (samples.length === 0) throw new Error('readClock needs at least one sample');
  const best = samples.reduce((a, b) => (b.afterMs - b.beforeMs < a.afterMs - a.beforeMs ? b : a));
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return { offsetMs: round(best.redisMs - (best.beforeMs + best.afterMs) / 2), rttMs: round(best.afterMs - best.beforeMs) };
}

/** This machine's wall clock in ms, with sub-ms resolution. */
export const nowMs = () => performance.timeOrigin + performance.now();

/** Samples Redis TIME `count` times (`time` is e.g. `() => redis.time()`). */
export async function measureClock(time: () => Promise<[string | number, string | number] | unknown>, count = 7): Promise<ClockReading> {
  const samples: ClockSample[] = [];
  for (let i = 0; i < count; i++) {
    const beforeMs = nowMs();
    const [seconds, micros] = (await time()) as [string | number, string | number];
    const afterMs = nowMs();
    samples.push({ beforeMs, redisMs: Number(seconds) * 1000 + Number(micros) / 1000, afterMs });
  }
  return readClock(samples);
}

/**
 * One machine's clock minus another's, from their readings against the same Redis, and how far
 * it can be off (half of each round trip).
 */
export function clockDifference(of: ClockReading, from: ClockReading): { offsetMs: number; uncertaintyMs: number } {
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return { offsetMs: round(from.offsetMs - of.offsetMs), uncertaintyMs: round((of.rttMs + from.rttMs) / 2) };
}
