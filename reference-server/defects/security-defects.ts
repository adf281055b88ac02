import { createHmac, createPublicKey, timingSafeEqual, verify as verifySignature, type JsonWebKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isId, isRole } from '../../src/contract/index.ts';
import { authenticate, type Authenticated } from '../auth.ts';
import type { Defect } from './defect.ts';

/*
 * Security bugs beyond the contract's own rules (issue 11, docs/security.md): tokens, namespaces
 * and session recovery, each the way a hand-written server plausibly gets it wrong. They break
 * only `security.*` checks: the contract's `auth.*` probes do not reach them.
 */

type Json = Record<string, any>;

function decodeJson(segment: string | undefined): Json | undefined {
  if (!segment) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
}

function hmacMatches(signingInput: string, signature: string, key: string, hash = 'sha256'): boolean {
  const expected = createHmac(hash, key).update(signingInput).digest();
  const actual = Buffer.from(signature, 'base64url');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** The claims every hand-rolled verifier below checks the same way (sub, role, exp, and nbf unless told not to). */
function acceptClaims(claims: Json, nowMs: number, options: { nbf?: boolean } = {}): Authenticated {
  if (!isId(claims.sub) || !isRole(claims.role)) return { ok: false, reason: 'bad claims' };
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= nowMs) return { ok: false, reason: 'expired' };
  if (options.nbf !== false && claims.nbf !== undefined && !(typeof claims.nbf === 'number' && claims.nbf * 1000 <= nowMs)) return { ok: false, reason: 'not valid yet' };
  return { ok: true, user: { userId: claims.sub, role: claims.role }, expiresAtMs: claims.exp * 1000 };
}

/** The contract verifier's bound on a token's length, kept by every verifier below but the one that forgets it. */
const MAX_TOKEN_CHARS = 8192;

function splitToken(token: unknown, maxChars = MAX_TOKEN_CHARS): { signingInput: string; header: Json; claims: Json; signature: string } | undefined {
  if (typeof token !== 'string' || token.length > maxChars) return undefined;
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [headerPart, payloadPart, signature] = parts as [string, string, string];
  const header = decodeJson(headerPart);
  const claims = decodeJson(payloadPart);
  return header && claims ? { signingInput: `${headerPart}.${payloadPart}`, header, claims, signature } : undefined;
}

/**
 * The two spellings of "none" in the JWT docs are blocked by name, in front of an algorithm
 * table looked up case-insensitively that still has the internal tooling's unsigned entry.
 */
function verifyWithAlgorithmTable(token: unknown, secret: string, nowMs: number): Authenticated {
  const parts = splitToken(token);
  if (!parts) return { ok: false, reason: 'malformed token' };
  const alg = String(parts.header.alg);
  if (alg === 'none' || alg === 'None') return { ok: false, reason: 'unsigned tokens are refused' };
  const algorithms: Record<string, (signingInput: string, signature: string) => boolean> = {
    hs256: (input, signature) => hmacMatches(input, signature, secret),
    // Internal tooling signs nothing; it never reaches the public handshake (it does).
    none: () => true,
  };
  const verify = algorithms[alg.toLowerCase()];
  if (!verify) return { ok: false, reason: `unsupported alg ${alg}` };
  if (!verify(parts.signingInput, parts.signature)) return { ok: false, reason: 'bad signature' };
  return acceptClaims(parts.claims, nowMs);
}

/** Key rotation: a token's `kid` names a key file; tokens without one use the current secret. */
const KEYS_DIR = join(tmpdir(), 'bazaar-reference-keys');
function verifyWithKidFile(token: unknown, secret: string, nowMs: number): Authenticated {
  const parts = splitToken(token);
  if (!parts || parts.header.alg !== 'HS256') return { ok: false, reason: 'malformed token or not HS256' };
  let key = secret;
  if (typeof parts.header.kid === 'string') {
    try {
      key = readFileSync(join(KEYS_DIR, parts.header.kid), 'utf8');
    } catch {
      return { ok: false, reason: `no key ${parts.header.kid}` };
    }
  }
  if (!hmacMatches(parts.signingInput, parts.signature, key)) return { ok: false, reason: 'bad signature' };
  return acceptClaims(parts.claims, nowMs);
}

/** A hand-rolled HS256 verifier that checks exp, as the contract asks, and never looks at nbf. */
function verifyIgnoringNbf(token: unknown, secret: string, nowMs: number): Authenticated {
  const parts = splitToken(token);
  if (!parts || parts.header.alg !== 'HS256') return { ok: false, reason: 'malformed token or not HS256' };
  if (!hmacMatches(parts.signingInput, parts.signature, secret)) return { ok: false, reason: 'bad signature' };
  return acceptClaims(parts.claims, nowMs, { nbf: false });
}

/**
 * Single sign-on: an RS256 token carries its issuer's key set in `jku`; the handshake fetches it
 * and verifies with the key its kid names, with no list of trusted issuers. HS256 tokens go to
 * the contract's verifier as before.
 */
async function verifyWithJku(token: unknown, secret: string, nowMs: number): Promise<Authenticated> {
  const parts = splitToken(token);
  if (!parts || parts.header.alg !== 'RS256' || typeof parts.header.jku !== 'string') return authenticate(token, secret, nowMs);
  const res = await fetch(parts.header.jku, { signal: AbortSignal.timeout(2_000) });
  const jwks = (await res.json()) as { keys?: (JsonWebKey & { kid?: string })[] };
  const jwk = jwks.keys?.find((k) => k.kid === parts.header.kid) ?? jwks.keys?.[0];
  if (!jwk) return { ok: false, reason: 'no key in the issuer\'s set' };
  const key = createPublicKey({ key: jwk, format: 'jwk' });
  if (!verifySignature('RSA-SHA256', Buffer.from(parts.signingInput), key, Buffer.from(parts.signature, 'base64url'))) return { ok: false, reason: 'bad signature' };
  return acceptClaims(parts.claims, nowMs);
}

/** A hand-rolled HS256 verifier that checks everything but the token's length: it decodes and HMACs whatever it is sent. */
function verifyUnbounded(token: unknown, secret: string, nowMs: number): Authenticated {
  const parts = splitToken(token, Number.POSITIVE_INFINITY);
  if (!parts || parts.header.alg !== 'HS256') return { ok: false, reason: 'malformed token or not HS256' };
  if (!hmacMatches(parts.signingInput, parts.signature, secret)) return { ok: false, reason: 'bad signature' };
  return acceptClaims(parts.claims, nowMs);
}

/** The JWT's claims as they are, unverified: for requests an earlier middleware was thought to have verified. */
function decodeUnverified(token: unknown, nowMs: number): Authenticated {
  const parts = splitToken(token);
  return parts ? acceptClaims(parts.claims, nowMs) : { ok: false, reason: 'malformed token' };
}

export const securityDefects: Defect[] = [
  {
    name: 'alg-none-any-case',
    group: 'security',
    description: 'the handshake blocks alg "none" and "None" by name, then looks the alg up case-insensitively in a table that still has an unsigned entry: "NONE" and "nOnE" tokens are accepted unsigned',
    overrides: () => ({ authenticateHandshake: (auth, _query, secret, nowMs) => verifyWithAlgorithmTable(auth?.token, secret, nowMs) }),
  },
  {
    name: 'kid-key-path',
    group: 'security',
    description: 'the handshake reads the HMAC key from the file a token\'s kid header names (key rotation), unsanitized: kid "../../../../dev/null" makes the empty string the key',
    overrides: () => ({ authenticateHandshake: (auth, _query, secret, nowMs) => verifyWithKidFile(auth?.token, secret, nowMs) }),
  },
  {
    name: 'jku-trusted',
    group: 'security',
    description: 'for single sign-on the handshake fetches the key set an RS256 token names in its jku header and verifies with it, trusting any URL: a token signed with the attacker\'s own key, pointing at the attacker\'s key set, is accepted',
    overrides: () => ({ authenticateHandshake: (auth, _query, secret, nowMs) => verifyWithJku(auth?.token, secret, nowMs) }),
  },
  {
    name: 'polling-skips-verify',
    group: 'security',
    description: 'the handshake only decodes the token of a long-polling connection, taking it as verified by the HTTP API\'s auth middleware, which does not cover /socket.io/: any token with well-formed claims connects over polling',
    overrides: () => ({
      authenticateHandshake: (auth, _query, secret, nowMs, transport) => (transport === 'polling' ? decodeUnverified(auth?.token, nowMs) : authenticate(auth?.token, secret, nowMs)),
    }),
  },
  {
    name: 'token-size-unbounded',
    group: 'security',
    description: 'the handshake\'s hand-rolled verifier has no bound on a token\'s length: a 48 KB token is base64-decoded, parsed and HMACed on every handshake, and accepted',
    overrides: () => ({ authenticateHandshake: (auth, _query, secret, nowMs) => verifyUnbounded(auth?.token, secret, nowMs) }),
  },
  {
    name: 'nbf-ignored',
    group: 'security',
    description: 'the handshake\'s hand-rolled verifier checks exp but never nbf: a token not valid for another hour is accepted now',
    overrides: () => ({ authenticateHandshake: (auth, _query, secret, nowMs) => verifyIgnoringNbf(auth?.token, secret, nowMs) }),
  },
  {
    name: 'admin-namespace-no-auth',
    group: 'security',
    description: 'an /admin namespace (live connection stats for the ops dashboard) is opened with io.of("/admin"), and io.use() guards only the main namespace: anyone connects to it without a token',
    overrides: () => ({
      namespaces(io) {
        io.of('/admin').on('connection', (socket) => {
          socket.emit('admin:stats', { sockets: io.of('/').sockets.size });
          socket.on('admin:stats', (ack: unknown) => typeof ack === 'function' && ack({ sockets: io.of('/').sockets.size }));
        });
      },
    }),
  },
  {
    name: 'catch-all-namespaces',
    group: 'security',
    description: 'tenant namespaces are created on demand from a regex that matches any name (io.of(/^\\/[\\w-]+$/)), authenticated: any logged-in client creates namespaces that are never cleaned up',
    overrides: () => ({
      namespaces(io, authenticate) {
        io.of(/^\/[\w-]+$/).use(authenticate).on('connection', (socket) => socket.emit('tenant:ready', { namespace: socket.nsp.name }));
      },
    }),
  },
  {
    name: 'recovery-resume-ignores-exp',
    group: 'security',
    description: 'connection state recovery (turned on in memory) re-verifies a resumed session\'s token as of when the session was valid, so a client reconnecting with the token it had refreshes afterwards: an expired token resumes the session and gets its missed packets',
    overrides: () => ({ recoveryResumeIgnoresExpiry: true }),
  },
];
