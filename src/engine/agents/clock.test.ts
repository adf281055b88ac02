import { describe, expect, it } from 'vitest';
import { clockDifference, readClock } from './clock.ts';

describe('clocks read against Redis TIME', () => {
  it('takes the Redis time at the midpoint of the shortest round trip', () => {
    // Local clock 100 ms behind Redis: sent at 1000, Redis says 1102, back at 1004 (midpoint 1002).
    expect(readClock([
      { beforeMs: 990, redisMs: 1095, afterMs: 1010 }, // slow sample, 20 ms round trip: ignored
      { beforeMs: 1000, redisMs: 1102, afterMs: 1004 },
    ])).toEqual({ offsetMs: 100, rttMs: 4 });
  });

  it('gives one clock minus another, with half of both round trips as the uncertainty', () => {
    // The agent is 100 ms behind Redis, the coordinator 30 ms behind: the agent is 70 ms behind the coordinator.
    expect(clockDifference({ offsetMs: 100, rttMs: 4 }, { offsetMs: 30, rttMs: 2 })).toEqual({ offsetMs: -70, uncertaintyMs: 3 });
  });

  it('refuses no samples', () => {
    expect(() => readClock([])).toThrow(/at least one sample/);
  });
});
