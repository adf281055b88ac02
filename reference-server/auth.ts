import type { IncomingMessage } from 'node:http';
import { verifyToken } from '../src/contract/index.ts';
import type { Principal } from './context.ts';

export type Authenticated = { ok: true; user: Principal; expiresAtMs: number } | { ok: false; reason: string };

/** Verify a token by the contract's rules (docs/contract.md §2.1). */
export function authenticate(token: unknown, secret: string, nowMs: number): Authenticated {
  const verified = verifyToken(token, secret, nowMs);
  if (!verified.ok) return verified;
  const { sub, role, exp } = verified.claims;
  return { ok: true, user: { userId: sub, role }, expiresAtMs: exp * 1000 };
}

/** HTTP: `Authorization: Bearer <token>` and nothing else (no cookies, no query string). */
export function authenticateRequest(req: IncomingMessage, secret: string, nowMs: number): Authenticated {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return { ok: false, reason: 'no Authorization header' };
  const match = /^Bearer ([^\s]+)$/.exec(header);
  if (!match) return { ok: false, reason: 'Authorization is not "Bearer <token>"' };
  return authenticate(match[1], secret, nowMs);
}
