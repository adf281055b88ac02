import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import { isId } from './ids.ts';
import { isRole, type Role } from './models.ts';

/** The claims every contract token carries (docs/contract.md §2.1). */
export interface TokenClaims {
  sub: string;
  role: Role;
  /** Expiry, seconds since the epoch (required). */
  exp: number;
  /** Issued at, seconds since the epoch. */
  iat?: number;
}

export interface SignTokenOptions {
  sub: string;
  role: Role;
  secret: string;
  ttlMs: number;
  nowMs?: number;
}

function base64url(input: Buffer | string): string {
  return Buffer.from(input).toString('base64url');
}

function hs256(signingInput: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(signingInput).digest();
}

/** Mint an HS256 token with the contract's claims. */
export function signToken(options: SignTokenOptions): string {
  return createTokenMinter(options.secret)(options);
}

/**
 * A minter of contract tokens for one secret, with the key and the header prepared once: a load
 * generator mints one per simulated user, so this is on its path.
 */
export function createTokenMinter(secret: string): (claims: { sub: string; role: Role; ttlMs: number; nowMs?: number }) => string {
  const key = createSecretKey(Buffer.from(secret, 'utf8'));
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  return ({ sub, role, ttlMs, nowMs = Date.now() }) => {
    const claims: TokenClaims = { sub, role, iat: Math.floor(nowMs / 1000), exp: Math.floor((nowMs + ttlMs) / 1000) };
    const signingInput = `${header}.${base64url(JSON.stringify(claims))}`;
    return `${signingInput}.${createHmac('sha256', key).update(signingInput).digest('base64url')}`;
  };
}

/**
 * Sign any header and payload with HS256. For tests and probes that need a token the contract
 * rejects (missing claims, an unknown role); the header's `alg` is written as given.
 */
export function signRawToken(header: object, payload: object, secret: string): string {
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  return `${signingInput}.${base64url(hs256(signingInput, secret))}`;
}

export type VerifyResult = { ok: true; claims: TokenClaims } | { ok: false; reason: string };

const BASE64URL = /^[A-Za-z0-9_-]*$/;

function decodeJsonSegment(segment: string): unknown {
  if (!BASE64URL.test(segment)) return undefined;
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Verify a token by the contract's rules: HS256 only (never `none`, never another algorithm),
 * a valid signature, and `sub`, `role`, `exp` present, well-formed and unexpired. The reason is
 * for logs only; clients are told just `unauthorized`.
 */
export function verifyToken(token: unknown, secret: string, nowMs: number = Date.now()): VerifyResult {
  if (typeof token !== 'string') return { ok: false, reason: 'token is not a string' };
  if (token.length > 8192) return { ok: false, reason: 'token is too long' };
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'token is not three dot-separated parts' };
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decodeJsonSegment(headerPart);
  if (!isPlainObject(header)) return { ok: false, reason: 'header is not a JSON object' };
  if (header.alg !== 'HS256') return { ok: false, reason: `algorithm ${String(header.alg)} is not HS256` };
  if (!BASE64URL.test(signaturePart)) return { ok: false, reason: 'signature is not base64url' };
  const expected = hs256(`${headerPart}.${payloadPart}`, secret);
  const actual = Buffer.from(signaturePart, 'base64url');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    return { ok: false, reason: 'signature does not match' };
  }
  const payload = decodeJsonSegment(payloadPart);
  if (!isPlainObject(payload)) return { ok: false, reason: 'payload is not a JSON object' };
  const { sub, role, exp, iat } = payload;
  if (!isId(sub)) return { ok: false, reason: 'sub is missing or not an id' };
  if (!isRole(role)) return { ok: false, reason: 'role is missing or unknown' };
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return { ok: false, reason: 'exp is missing' };
  if (exp * 1000 <= nowMs) return { ok: false, reason: 'token has expired' };
  // nbf is optional; when present the token is not valid before it (RFC 7519 §4.1.5).
  const { nbf } = payload;
  if (nbf !== undefined && (typeof nbf !== 'number' || !Number.isFinite(nbf) || nbf * 1000 > nowMs)) {
    return { ok: false, reason: 'token is not valid yet (nbf)' };
  }
  if (iat !== undefined && (typeof iat !== 'number' || !Number.isFinite(iat))) {
    return { ok: false, reason: 'iat is not a number' };
  }
  const claims: TokenClaims = { sub, role, exp };
  if (typeof iat === 'number') claims.iat = iat;
  return { ok: true, claims };
}
