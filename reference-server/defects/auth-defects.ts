import { createHmac, timingSafeEqual } from 'node:crypto';
import { isId, isRole } from '../../src/contract/index.ts';
import { authenticate, type Authenticated } from '../auth.ts';
import type { Defect } from './defect.ts';

/*
 * Identity bugs (contract §1). Each replaces the handshake, or part of the connection's life,
 * with a plausible hand-written version; HTTP keeps the real verifier.
 */

function decodeJson(segment: string | undefined): Record<string, any> | undefined {
  if (!segment) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, any>) : undefined;
  } catch {
    return undefined;
  }
}

/** Bounded as the contract's verifier is (security.tokens.oversized is not what these defects break). */
const MAX_TOKEN_CHARS = 8192;

/** nbf as the contract's verifier reads it (security.tokens.time-claims is not what these defects break). */
const notYetValid = (claims: Record<string, any>, nowMs: number) => claims.nbf !== undefined && !(typeof claims.nbf === 'number' && claims.nbf * 1000 <= nowMs);

function signatureMatches(signingInput: string, signature: string, secret: string): boolean {
  const expected = createHmac('sha256', secret).update(signingInput).digest();
  const actual = Buffer.from(signature, 'base64url');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A hand-rolled verifier that lets the token's header say how it was signed. */
function verifyByHeaderAlg(token: unknown, secret: string, nowMs: number): Authenticated {
  if (typeof token !== 'string') return { ok: false, reason: 'no token' };
  if (token.length > MAX_TOKEN_CHARS) return { ok: false, reason: 'token too long' };
  const [headerPart, payloadPart, signature = ''] = token.split('.');
  const header = decodeJson(headerPart);
  const claims = decodeJson(payloadPart);
  if (!header || !claims) return { ok: false, reason: 'malformed token' };
  switch (header.alg) {
    case 'HS256':
      if (!signatureMatches(`${headerPart}.${payloadPart}`, signature, secret)) return { ok: false, reason: 'bad signature' };
      break;
    case 'none':
      // Unsigned tokens come from the internal tooling only.
      break;
    default:
      return { ok: false, reason: `unsupported alg ${String(header.alg)}` };
  }
  if (!isId(claims.sub) || !isRole(claims.role)) return { ok: false, reason: 'bad claims' };
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= nowMs) return { ok: false, reason: 'expired' };
  if (notYetValid(claims, nowMs)) return { ok: false, reason: 'not valid yet' };
  return { ok: true, user: { userId: claims.sub, role: claims.role }, expiresAtMs: claims.exp * 1000 };
}

/** A verifier that checks the signature properly but treats `exp` as optional, as RFC 7519 has it. */
function verifyWithOptionalExp(token: unknown, secret: string, nowMs: number): Authenticated {
  if (typeof token !== 'string') return { ok: false, reason: 'no token' };
  if (token.length > MAX_TOKEN_CHARS) return { ok: false, reason: 'token too long' };
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'malformed token' };
  const [headerPart, payloadPart, signature] = parts as [string, string, string];
  const header = decodeJson(headerPart);
  const claims = decodeJson(payloadPart);
  if (!header || !claims || header.alg !== 'HS256') return { ok: false, reason: 'malformed token or not HS256' };
  if (!signatureMatches(`${headerPart}.${payloadPart}`, signature, secret)) return { ok: false, reason: 'bad signature' };
  if (!isId(claims.sub) || !isRole(claims.role)) return { ok: false, reason: 'bad claims' };
  if (claims.exp && claims.exp * 1000 <= nowMs) return { ok: false, reason: 'expired' };
  if (notYetValid(claims, nowMs)) return { ok: false, reason: 'not valid yet' };
  // Tokens without exp (service accounts) never expire.
  const expiresAtMs = claims.exp ? Number(claims.exp) * 1000 : Number.POSITIVE_INFINITY;
  return { ok: true, user: { userId: claims.sub, role: claims.role }, expiresAtMs };
}

export const authDefects: Defect[] = [
  {
    name: 'alg-none-accepted',
    group: 'auth',
    description: 'the handshake verifier trusts the header\'s alg and skips the signature for alg "none"',
    overrides: () => ({
      authenticateHandshake: (auth, _query, secret, nowMs) => verifyByHeaderAlg(auth?.token, secret, nowMs),
    }),
  },
  {
    name: 'query-token',
    group: 'auth',
    description: 'the handshake falls back to socket.handshake.query.token when auth has no token',
    overrides: () => ({
      // Older mobile builds put the token in the query string.
      authenticateHandshake: (auth, query, secret, nowMs) => authenticate(auth?.token ?? query.token, secret, nowMs),
    }),
  },
  {
    name: 'no-expiry-disconnect',
    group: 'auth',
    description: 'exp is checked at the handshake only: nothing disconnects a socket when its token expires later',
    overrides: () => ({ keepSocketsPastExpiry: true }),
  },
  {
    name: 'exp-optional',
    group: 'auth',
    description: 'the handshake verifier only checks exp when the token has one, so a signed token without exp is accepted and never expires',
    overrides: () => ({
      authenticateHandshake: (auth, _query, secret, nowMs) => verifyWithOptionalExp(auth?.token, secret, nowMs),
    }),
  },
];
