import { describe, expect, it } from 'vitest';
import { signToken, verifyToken } from '../../contract/index.ts';
import { describeTokenValue, forgedClaimTokens, malformedTokens, shortLivedToken, signHmacToken, tamperedTokens } from './tokens.ts';

const SECRET = 'unit-secret';
const NOW_MS = 1_700_000_000_000;
const valid = signToken({ sub: 'u1', role: 'buyer', secret: SECRET, ttlMs: 600_000, nowMs: NOW_MS });

describe('bad tokens for the auth probes', () => {
  it('starts from a token the contract accepts', () => {
    expect(verifyToken(valid, SECRET, NOW_MS)).toMatchObject({ ok: true });
  });

  it.each([
    ...malformedTokens(),
    ...tamperedTokens(valid, 'another-secret'),
    ...forgedClaimTokens({ secret: SECRET, sub: 'u1', role: 'buyer', nowMs: NOW_MS }),
  ].map((t) => [t.kind, t.value] as const))('the contract rejects %s', (_kind, value) => {
    expect(verifyToken(value, SECRET, NOW_MS)).toMatchObject({ ok: false });
  });

  it('gives every kind a distinct name', () => {
    const kinds = [...malformedTokens(), ...tamperedTokens(valid, 'x'), ...forgedClaimTokens({ secret: SECRET, sub: 'u1', role: 'buyer', nowMs: NOW_MS })].map((t) => t.kind);
    expect(new Set(kinds).size).toBe(kinds.length);
  });

  it('tampers without the secret: only the alg or the signature is wrong, the claims stay valid', () => {
    const none = tamperedTokens(valid, 'x').find((t) => t.kind === 'a token with alg "none" and no signature')!.value as string;
    const [header, payload, signature] = none.split('.');
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toMatchObject({ alg: 'none' });
    expect(JSON.parse(Buffer.from(payload!, 'base64url').toString())).toMatchObject({ sub: 'u1', role: 'buyer' });
    expect(signature).toBe('');
  });

  it('signs other HMAC algorithms correctly, so a server that honours the header alg would accept them', () => {
    const hs512 = signHmacToken({ alg: 'HS512' }, { sub: 'u1' }, SECRET, 'sha512');
    expect(Buffer.from(hs512.split('.')[2]!, 'base64url')).toHaveLength(64);
  });

  it('mints a short-lived token that expires on a whole second, at least the asked lifetime ahead', () => {
    const { token, expiresAtMs } = shortLivedToken({ secret: SECRET, sub: 'u1', role: 'buyer', nowMs: NOW_MS + 300, minLifetimeMs: 2_000 });
    expect(expiresAtMs % 1000).toBe(0);
    expect(expiresAtMs - (NOW_MS + 300)).toBeGreaterThanOrEqual(2_000);
    expect(expiresAtMs - (NOW_MS + 300)).toBeLessThan(3_000);
    expect(verifyToken(token, SECRET, expiresAtMs - 1)).toMatchObject({ ok: true });
    expect(verifyToken(token, SECRET, expiresAtMs)).toMatchObject({ ok: false });
  });

  it('describes token values briefly for evidence', () => {
    expect(describeTokenValue(undefined)).toBe('(none)');
    expect(describeTokenValue(42)).toBe('42');
    expect(describeTokenValue('x'.repeat(100))).toMatch(/^x{57}\.\.\. \(100 chars\)$/);
  });
});
