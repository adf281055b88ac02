import { describe, expect, it } from 'vitest';
import { createTokenMinter, signRawToken, signToken, verifyToken } from './jwt.ts';

const secret = 's3cret';
const nowMs = 1_700_000_000_000;
const nowS = nowMs / 1000;
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('verifyToken', () => {
  it('accepts a token it signed and returns its claims', () => {
    const token = signToken({ sub: 'u1', role: 'seller', secret, ttlMs: 60_000, nowMs });
    expect(verifyToken(token, secret, nowMs)).toEqual({ ok: true, claims: { sub: 'u1', role: 'seller', iat: nowS, exp: nowS + 60 } });
  });

  const good = { sub: 'u1', role: 'buyer', exp: nowS + 60 };
  it.each([
    ['a number', 42, /not a string/],
    ['three parts missing', 'abc', /three/],
    ['alg none, empty signature', `${b64({ alg: 'none' })}.${b64(good)}.`, /algorithm none/],
    ['alg HS384', signRawToken({ alg: 'HS384' }, good, secret), /algorithm HS384/],
    ['alg RS256', signRawToken({ alg: 'RS256' }, good, secret), /algorithm RS256/],
    ['no alg', signRawToken({ typ: 'JWT' }, good, secret), /algorithm undefined/],
    ['a wrong secret', signRawToken({ alg: 'HS256' }, good, 'other'), /signature/],
    ['a truncated signature', signRawToken({ alg: 'HS256' }, good, secret).slice(0, -4), /signature/],
    ['a header that is not JSON', `bm90IGpzb24.${b64(good)}.x`, /header/],
    ['expired', signRawToken({ alg: 'HS256' }, { ...good, exp: nowS }, secret), /expired/],
    ['exp as a string', signRawToken({ alg: 'HS256' }, { ...good, exp: String(nowS + 60) }, secret), /exp/],
    ['no sub', signRawToken({ alg: 'HS256' }, { role: 'buyer', exp: nowS + 60 }, secret), /sub/],
    ['sub with a colon', signRawToken({ alg: 'HS256' }, { ...good, sub: 'a:b' }, secret), /sub/],
    ['unknown role', signRawToken({ alg: 'HS256' }, { ...good, role: 'root' }, secret), /role/],
    ['payload an array', signRawToken({ alg: 'HS256' }, [good], secret), /payload/],
  ])('rejects %s', (_name, token, reason) => {
    const result = verifyToken(token, secret, nowMs);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });
});

describe('createTokenMinter', () => {
  it('mints the HS256 token of the contract claims, byte for byte, and the server accepts it', () => {
    const mint = createTokenMinter('s3cret-ü');
    for (const [sub, role, nowMs] of [['u1', 'buyer', 1_700_000_000_123], ['seller-9', 'seller', 1_800_000_999_999], ['a', 'admin', 0]] as const) {
      const token = mint({ sub, role, ttlMs: 600_000, nowMs });
      const claims = { sub, role, iat: Math.floor(nowMs / 1000), exp: Math.floor((nowMs + 600_000) / 1000) };
      expect(token).toBe(signRawToken({ alg: 'HS256', typ: 'JWT' }, claims, 's3cret-ü'));
      expect(verifyToken(token, 's3cret-ü', nowMs)).toMatchObject({ ok: true, claims: { sub, role } });
    }
  });
});
