import { describe, expect, it } from 'vitest';
import { verifyToken } from '../contract/index.ts';
import { createSecretTokenProvider } from './tokens.ts';

describe('createSecretTokenProvider', () => {
  it('mints a token the server accepts, for that user and role', () => {
    const token = createSecretTokenProvider('s3cret')('buyer-1', 'buyer') as string;
    expect(verifyToken(token, 's3cret')).toMatchObject({ ok: true, claims: { sub: 'buyer-1', role: 'buyer' } });
  });

  it('gives the same user the same token while it is fresh', () => {
    const provide = createSecretTokenProvider('s3cret');
    expect(provide('u1', 'buyer')).toBe(provide('u1', 'buyer'));
  });

  it('keeps only the most recently asked for users, and mints again for one it let go', () => {
    let now = 1_700_000_000_000;
    const provide = createSecretTokenProvider('s3cret', 60 * 60_000, 2, 60_000, () => now);
    const first = provide('u1', 'buyer');
    provide('u2', 'buyer');
    expect(provide('u2', 'buyer')).not.toBe(first);
    expect(provide('u1', 'buyer')).toBe(first); // still cached: 2 entries; u2 is now the least recently asked for
    provide('u3', 'buyer'); // u2 let go
    expect(provide.cachedTokens()).toBe(2);
    now += 1_000; // a new iat second, so a new token differs
    expect(provide('u1', 'buyer')).toBe(first);
    const u2 = provide('u2', 'buyer'); // minted again (u3 let go)
    expect(provide('u2', 'buyer')).toBe(u2);
  });

  it('drops a token not asked for within the idle period: it holds the users active lately, not every user of the run', () => {
    let now = 1_700_000_000_000;
    const provide = createSecretTokenProvider('s3cret', 60 * 60_000, 10_000, 10_000, () => now);
    for (let i = 0; i < 100; i++) {
      provide(`fresh-${i}`, 'buyer');
      provide('regular', 'seller');
      now += 1_000;
    }
    // The fresh users asked for within the last 10 s (9: one a second), and the regular one, whatever the run's length.
    expect(provide.cachedTokens()).toBe(9 + 1);
    now += 10_000;
    expect(provide.cachedTokens()).toBe(0);
  });
});
