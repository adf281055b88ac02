import { describe, expect, it } from 'vitest';
import { clockTime, createPresenceFlickerChecker } from './presence-flicker.ts';

const T0 = Date.UTC(2024, 0, 1, 12, 0, 0, 0);

describe('createPresenceFlickerChecker', () => {
  it('passes a single online with nothing after it', () => {
    const checker = createPresenceFlickerChecker({ ttlMs: 2_000 });
    checker.observe({ socket: 'u3@c1', userId: 's1', online: true, atMs: T0 });
    checker.reconnected('s1', T0 + 500, T0 + 700);
    expect(checker.verdict()).toEqual({ passed: true, evidence: [] });
  });

  it('names an offline/online pair during a reconnect within the TTL', () => {
    const checker = createPresenceFlickerChecker({ ttlMs: 2_000 });
    checker.reconnected('s1', T0 + 1_190, T0 + 1_400);
    checker.observe({ socket: 'u3@c1', userId: 's1', online: true, atMs: T0 });
    checker.observe({ socket: 'u3@c1', userId: 's1', online: false, atMs: T0 + 1_200 });
    checker.observe({ socket: 'u3@c1', userId: 's1', online: true, atMs: T0 + 1_500 });
    expect(checker.verdict()).toEqual({
      passed: false,
      evidence: [
        'u3@c1 saw s1 go offline at 12:00:01.200 and online 300 ms later during a reconnect within the TTL (s1 disconnected at 12:00:01.190 and was back 210 ms later; TTL 2000 ms)',
      ],
    });
  });

  it('says when an offline came while the user stayed connected, and when it never came back', () => {
    const checker = createPresenceFlickerChecker({ ttlMs: 2_000 });
    checker.observe({ socket: 'u3@c1', userId: 's1', online: true, atMs: T0 });
    checker.observe({ socket: 'u3@c1', userId: 's1', online: false, atMs: T0 + 2_100 });
    const { passed, evidence } = checker.verdict();
    expect(passed).toBe(false);
    expect(evidence).toEqual([
      'u3@c1 saw s1 go offline at 12:00:02.100 (and not back online) while s1 was connected and heartbeating (TTL 2000 ms)',
    ]);
  });

  it('flags a second online without an offline between', () => {
    const checker = createPresenceFlickerChecker({ ttlMs: 2_000 });
    checker.observe({ socket: 'u3@c1', userId: 's1', online: true, atMs: T0 });
    checker.observe({ socket: 'u3@c1', userId: 's1', online: true, atMs: T0 + 400 });
    expect(checker.verdict().evidence).toEqual([
      'u3@c1 saw s1 announced online again at 12:00:00.400 without an offline between (s1 never left for longer than the TTL)',
    ]);
  });

  it('keeps watchers apart and caps the lines per connection', () => {
    const checker = createPresenceFlickerChecker({ ttlMs: 2_000, maxLinesPerSocket: 2 });
    for (const socket of ['u3@c1', 'u4@c2']) {
      checker.observe({ socket, userId: 's1', online: true, atMs: T0 });
      for (let i = 1; i <= 4; i++) {
        checker.observe({ socket, userId: 's1', online: false, atMs: T0 + i * 100 });
        checker.observe({ socket, userId: 's1', online: true, atMs: T0 + i * 100 + 10 });
      }
    }
    const { evidence } = checker.verdict();
    expect(evidence.filter((line) => line.startsWith('u3@c1'))).toHaveLength(3);
    expect(evidence).toContain('u4@c2: and 2 more like these');
  });

  it('formats clock times in UTC to the millisecond', () => {
    expect(clockTime(T0 + 1_200)).toBe('12:00:01.200');
  });
});
