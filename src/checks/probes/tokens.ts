import { createHmac } from 'node:crypto';
import type { Role } from '../../contract/index.ts';
import { signRawToken } from '../../contract/index.ts';

/*
 * Tokens the contract rejects (docs/contract.md §1), built for the auth probes. Pure: time and
 * secrets are arguments. Each kind is one way a hand-rolled or misconfigured verifier goes wrong.
 */

/** A value to put in `auth.token` (not always a string) and, when it is one, in `Authorization`. */
export interface BadToken {
  /** What is wrong with it, as evidence says it: 'a token with alg "none" and no signature'. */
  kind: string;
  /** `undefined`: no token at all. */
  value: unknown;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function decodeSegment(segment: string | undefined): Record<string, unknown> | undefined {
  if (segment === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Sign with any HMAC algorithm (HS256/HS384/HS512), writing the header as given. */
export function signHmacToken(header: Record<string, unknown>, payload: object, secret: string, hash: 'sha256' | 'sha384' | 'sha512'): string {
  const signingInput = `${b64(header)}.${b64(payload)}`;
  return `${signingInput}.${createHmac(hash, secret).update(signingInput).digest('base64url')}`;
}

/** Values that are no token at all: need nothing from the target. */
export function malformedTokens(): BadToken[] {
  return [
    { kind: 'no token', value: undefined },
    { kind: 'a number as token', value: 12345 },
    { kind: 'an object as token', value: { token: 'x' } },
    { kind: 'an array as token', value: ['a.b.c'] },
    { kind: 'null as token', value: null },
    { kind: 'true as token', value: true },
    { kind: 'an empty string', value: '' },
    { kind: 'a string that is not a JWT', value: 'not-a-jwt' },
    { kind: 'two dot-separated parts', value: `${b64({ alg: 'HS256' })}.${b64({ sub: 'x' })}` },
    { kind: 'four dot-separated parts', value: 'a.b.c.d' },
    { kind: 'a header that is not JSON', value: `${Buffer.from('{not json').toString('base64url')}.${b64({ sub: 'x' })}.sig` },
    { kind: 'a 10 000-character string', value: 'x'.repeat(10_000) },
  ];
}

/**
 * Tokens derived from a valid one without knowing the secret: the signature is missing, wrong,
 * or no longer covers the payload. Works against any server, including token-module targets.
 */
export function tamperedTokens(validToken: string, otherSecret: string): BadToken[] {
  const [headerPart, payloadPart, signaturePart] = validToken.split('.');
  const header = decodeSegment(headerPart) ?? { alg: 'HS256', typ: 'JWT' };
  const claims = decodeSegment(payloadPart) ?? {};
  const elevated = { ...claims, role: 'admin' };
  return [
    { kind: 'a token signed with another secret', value: signRawToken(header, claims, otherSecret) },
    { kind: 'a token whose payload was changed after signing (role → admin), signature kept', value: `${headerPart}.${b64(elevated)}.${signaturePart}` },
    { kind: 'a token with its signature removed', value: `${headerPart}.${payloadPart}.` },
    { kind: 'a token with alg "none" and no signature', value: `${b64({ ...header, alg: 'none' })}.${payloadPart}.` },
    { kind: 'a token with alg "none" and the original signature kept', value: `${b64({ ...header, alg: 'none' })}.${payloadPart}.${signaturePart}` },
    { kind: 'a token with alg "None" and no signature', value: `${b64({ ...header, alg: 'None' })}.${payloadPart}.` },
    { kind: 'a token with alg "none", role → admin, no signature', value: `${b64({ ...header, alg: 'none' })}.${b64(elevated)}.` },
  ];
}

export interface ForgeOptions {
  /** The target's HS256 secret. */
  secret: string;
  /** A fresh user id for `sub`. */
  sub: string;
  role: Role;
  nowMs: number;
}

/**
 * Tokens correctly signed with the target's secret that still break a rule: another algorithm,
 * expired, a claim missing or malformed. Only a server that knows the secret can be fooled by
 * these, so they need `--jwt-secret`.
 */
export function forgedClaimTokens({ secret, sub, role, nowMs }: ForgeOptions): BadToken[] {
  const nowS = Math.floor(nowMs / 1000);
  const good = { sub, role, iat: nowS, exp: nowS + 600 };
  const hs256 = (payload: object) => signRawToken({ alg: 'HS256', typ: 'JWT' }, payload, secret);
  const { sub: _sub, ...noSub } = good;
  const { role: _role, ...noRole } = good;
  const { exp: _exp, ...noExp } = good;
  return [
    { kind: 'an HS512 token signed with the secret', value: signHmacToken({ alg: 'HS512', typ: 'JWT' }, good, secret, 'sha512') },
    { kind: 'an HS384 token signed with the secret', value: signHmacToken({ alg: 'HS384', typ: 'JWT' }, good, secret, 'sha384') },
    { kind: 'an "HS512" header over an HS256 signature', value: signHmacToken({ alg: 'HS512', typ: 'JWT' }, good, secret, 'sha256') },
    { kind: 'an "RS256" header over an HS256 signature', value: signHmacToken({ alg: 'RS256', typ: 'JWT' }, good, secret, 'sha256') },
    { kind: 'a token without alg', value: signHmacToken({ typ: 'JWT' }, good, secret, 'sha256') },
    { kind: 'a token that expired 60 s ago', value: hs256({ ...good, iat: nowS - 600, exp: nowS - 60 }) },
    { kind: 'a token without sub', value: hs256(noSub) },
    { kind: 'a token without role', value: hs256(noRole) },
    { kind: 'a token without exp', value: hs256(noExp) },
    { kind: 'a token with exp as a string', value: hs256({ ...good, exp: String(good.exp) }) },
    { kind: 'a token with the unknown role "superuser"', value: hs256({ ...good, role: 'superuser' }) },
    { kind: 'a token with a numeric sub', value: hs256({ ...good, sub: 12345 }) },
    { kind: 'a token whose sub is not an id ("user:1")', value: hs256({ ...good, sub: 'user:1' }) },
  ];
}

/** A token that expires at a whole second at least `minLifetimeMs` from now (exp is in seconds). */
export function shortLivedToken(options: { secret: string; sub: string; role: Role; nowMs: number; minLifetimeMs: number }): { token: string; expiresAtMs: number } {
  const exp = Math.ceil((options.nowMs + options.minLifetimeMs) / 1000);
  const token = signRawToken({ alg: 'HS256', typ: 'JWT' }, { sub: options.sub, role: options.role, iat: Math.floor(options.nowMs / 1000), exp }, options.secret);
  return { token, expiresAtMs: exp * 1000 };
}

/** For evidence: a short, printable form of a token value. */
export function describeTokenValue(value: unknown): string {
  if (value === undefined) return '(none)';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}... (${text.length} chars)` : text;
}
