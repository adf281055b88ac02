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

  it('keeps only the most recently minted users, and mints again for one it let go', async () => {
    const provide = createSecretTokenProvider('s3cret', 60 * 60_000, 2);
    const first = provide('u1', 'buyer');
    provide('u2', 'buyer');
    expect(provide('u1', 'buyer')).toBe(first); // still cached: 2 entries
    provide('u3', 'buyer'); // u1 is now the least recently minted: let go
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // a new iat second, so a new token differs
    expect(provide('u1', 'buyer')).not.toBe(first);
    expect(provide('u3', 'buyer')).toBe(provide('u3', 'buyer'));
  });
});
