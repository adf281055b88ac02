import { describe, expect, it } from 'vitest';
import { createTypingLimitChecker } from './typing-limit.ts';

const T0 = 1_700_000_000_000;
const at = (socket: string, atMs: number, senderId = 'b1', bookingId = 'bk1') => ({ socket, bookingId, senderId, atMs });

describe('createTypingLimitChecker', () => {
  it('passes one receipt per interval, even a little closer than the interval at the receiver', () => {
    const checker = createTypingLimitChecker({ intervalMs: 3_000 });
    for (const t of [0, 2_950, 6_000]) checker.observe(at('s1@c2', T0 + t));
    expect(checker.verdict()).toEqual({ passed: true, evidence: [] });
  });

  it('keeps receivers, senders and bookings apart', () => {
    const checker = createTypingLimitChecker({ intervalMs: 3_000 });
    checker.observe(at('s1@c2', T0));
    checker.observe(at('s1@c3', T0 + 10));
    checker.observe(at('s1@c2', T0 + 20, 'b2'));
    checker.observe(at('s1@c2', T0 + 30, 'b1', 'bk2'));
    expect(checker.verdict().passed).toBe(true);
  });

  it('names the receiver, sender, booking, count and times of a burst that got through', () => {
    const checker = createTypingLimitChecker({ intervalMs: 3_000, originMs: T0 - 5 });
    for (let i = 0; i < 3; i++) checker.observe(at('s1@c2', T0 + i * 75));
    expect(checker.verdict()).toEqual({
      passed: false,
      evidence: ['s1@c2 received 3 typing:start from b1 in booking bk1 within 150 ms (at +5, +80, +155 ms); at most one per 3000 ms may reach a receiver'],
    });
  });

  it('lists at most ten times', () => {
    const checker = createTypingLimitChecker({ intervalMs: 3_000 });
    for (let i = 0; i < 20; i++) checker.observe(at('s1@c2', T0 + i * 75));
    expect(checker.verdict().evidence[0]).toMatch(/received 20 typing:start .* \(at \+0, \+75, .*, \+675, … ms\)/);
  });
});

describe('createTypingLimitChecker, online (onViolation)', () => {
  it('reports each extra as it arrives, with the same rule, and forgets quiet streams', () => {
    const seen: unknown[] = [];
    const checker = createTypingLimitChecker({ intervalMs: 3_000, slackMs: 1_000, onViolation: (v) => seen.push(v) });
    for (const t of [0, 2_100, 2_200, 5_000]) checker.observe(at('s1@c2', T0 + t));
    expect(seen).toEqual([{ socket: 's1@c2', bookingId: 'bk1', senderId: 'b1', expected: 'at most one typing:start per 3000 ms from b1', observed: 'typing:start 100 ms after the last one let through' }]);
    expect(checker.size()).toBe(1);
    checker.forgetQuiet(T0 + 7_999);
    expect(checker.size()).toBe(1);
    checker.forgetQuiet(T0 + 8_000);
    expect(checker.size()).toBe(0);
    checker.observe(at('s1@c2', T0 + 9_000));
    checker.forget('s1@c2', 'bk1');
    expect(checker.size()).toBe(0);
  });
});
