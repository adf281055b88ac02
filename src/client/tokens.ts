import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { createTokenMinter, type Role } from '../contract/index.ts';
import { BazaarError } from '../errors.ts';
import type { TokenProvider } from './http.ts';

const TOKEN_TTL_MS = 60 * 60_000;
const RENEW_BEFORE_MS = 5 * 60_000;

/** Tokens kept at most (a safety net): a run whose users keep arriving under new ids must not grow without end. */
export const TOKEN_CACHE_MAX_ENTRIES = 10_000;
/** A token not asked for this long is dropped: the cache holds the users active lately, not every user of the run. */
export const TOKEN_IDLE_MS = 10_000;

/** A token provider that says how many tokens it holds (tests and the run's in-flight figures read it). */
export type CachingTokenProvider = TokenProvider & { cachedTokens(): number };

/**
 * Per-user HS256 tokens minted before connect, cached until close to expiry while their user is
 * active: one not asked for in `idleMs` is dropped (and at most `maxEntries` are held, the least
 * recently asked for dropped first). A user asking again simply gets a fresh token.
 */
export function createSecretTokenProvider(
  secret: string,
  ttlMs = TOKEN_TTL_MS,
  maxEntries = TOKEN_CACHE_MAX_ENTRIES,
  idleMs = TOKEN_IDLE_MS,
  nowMs: () => number = Date.now,
): CachingTokenProvider {
  /** Least recently asked for first: each use re-inserts its key at the end. */
  const cache = new Map<string, { token: string; expiresAtMs: number; usedAtMs: number }>();
  const mint = createTokenMinter(secret);
  const dropIdle = (now: number) => {
    for (const [key, entry] of cache) {
      if (now - entry.usedAtMs < idleMs && cache.size <= maxEntries) break;
      cache.delete(key);
    }
  };
  const provider = (userId: string, role: Role) => {
    const key = `${role}\u0000${userId}`;
    const now = nowMs();
    dropIdle(now);
    let cached = cache.get(key);
    cache.delete(key);
    if (!cached || cached.expiresAtMs - now <= Math.min(RENEW_BEFORE_MS, ttlMs / 2)) {
      cached = { token: mint({ sub: userId, role, ttlMs, nowMs: now }), expiresAtMs: now + ttlMs, usedAtMs: now };
    }
    cached.usedAtMs = now;
    cache.set(key, cached);
    if (cache.size > maxEntries) dropIdle(now);
    return cached.token;
  };
  return Object.assign(provider, {
    cachedTokens() {
      dropIdle(nowMs());
      return cache.size;
    },
  });
}

/**
 * A user-supplied module for servers with their own login: its default export is
 * `(userId, role) => string | Promise<string>`.
 */
export async function loadTokenModule(path: string): Promise<TokenProvider> {
  const file = resolve(path);
  let module: { default?: unknown };
  try {
    module = await import(pathToFileURL(file).href);
  } catch (error) {
    throw new BazaarError('BAZAAR_TOKEN_MODULE', `cannot load token module ${file}: ${(error as Error).message}`,
      'give a .ts or .js file whose default export is (userId, role) => token');
  }
  if (typeof module.default !== 'function') {
    throw new BazaarError('BAZAAR_TOKEN_MODULE', `${file} has no default export function`,
      'export default async function token(userId, role) { return "..."; }');
  }
  return module.default as TokenProvider;
}
