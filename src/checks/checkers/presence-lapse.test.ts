import { describe, expect, it } from 'vitest';
import { judgeOfflineAnnouncements, type OfflineAnnouncements } from './presence-lapse.ts';

const T0 = Date.UTC(2024, 0, 1, 12, 0, 0, 0);
const base: OfflineAnnouncements = {
  watcher: 'w1@c2',
  userId: 's1',
  lastTouchMs: T0,
  ttlMs: 2_000,
  sweepMs: 200,
  marginMs: 1_500,
  offlineAtMs: [],
};

describe('judgeOfflineAnnouncements', () => {
  it.each([
    ['just after the TTL', [T0 + 2_001]],
    ['after a sweep', [T0 + 2_190]],
    ['a hair early (timer granularity)', [T0 + 1_980]],
    ['late but within the margin', [T0 + 3_100]],
  ])('passes one offline %s', (_, offlineAtMs) => {
    expect(judgeOfflineAnnouncements({ ...base, offlineAtMs })).toEqual([]);
  });

  it('names a missing offline with the deadline it waited for', () => {
    expect(judgeOfflineAnnouncements(base)).toEqual([
      'w1@c2 saw no presence:changed {online:false} for s1 within 3700 ms of s1\'s last heartbeat at 12:00:00.000 (TTL 2000 ms + sweep 200 ms + 1500 ms margin)',
    ]);
  });

  it('names an offline before the TTL lapsed', () => {
    expect(judgeOfflineAnnouncements({ ...base, offlineAtMs: [T0 + 12] })).toEqual([
      'w1@c2 saw s1 go offline at 12:00:00.012, 12 ms after s1\'s last heartbeat at 12:00:00.000, before its 2000 ms TTL lapsed (a disconnect must not end presence)',
    ]);
  });

  it('names an offline later than TTL + sweep + margin', () => {
    expect(judgeOfflineAnnouncements({ ...base, offlineAtMs: [T0 + 4_000] })[0]).toMatch(/only at 12:00:04\.000, 4000 ms after/);
  });

  it('names a duplicate announcement with every time', () => {
    expect(judgeOfflineAnnouncements({ ...base, offlineAtMs: [T0 + 2_010, T0 + 2_200] })).toEqual([
      'w1@c2 saw s1 announced offline 2 times (at 12:00:02.010, 12:00:02.200); a lapse is announced exactly once',
    ]);
  });
});
