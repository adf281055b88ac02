import { describe, expect, it } from 'vitest';
import { judgeTransition } from './models.ts';

describe('judgeTransition', () => {
  it.each([
    ['requested', 'accepted', 'seller', 'allowed'],
    ['requested', 'accepted', 'buyer', 'forbidden'],
    ['accepted', 'accepted', 'seller', 'conflict'],
    ['requested', 'cancelled', 'buyer', 'allowed'],
    ['accepted', 'cancelled', 'buyer', 'conflict'],
    ['paid', 'disputed', 'seller', 'allowed'],
    ['completed', 'disputed', 'buyer', 'conflict'],
    ['disputed', 'resolved', 'admin', 'allowed'],
    ['disputed', 'resolved', 'seller', 'forbidden'],
    ['requested', 'paid', 'admin', 'forbidden'],
  ] as const)('%s → %s by %s is %s', (from, to, actor, verdict) => {
    expect(judgeTransition(from, to, actor)).toBe(verdict);
  });
});
