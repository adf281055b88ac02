import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { createTokenMinter, type Role } from '../contract/index.ts';
import { BazaarError } from '../errors.ts';
import type { TokenProvider } from './http.ts';

const TOKEN_TTL_MS = 60 * 60_000;
const RENEW_BEFORE_MS = 5 * 60_000;

/** Tokens kept at most: a run whose users keep arriving under new ids must not grow without end. */
export const TOKEN_CACHE_MAX_ENTRIES = 10_000;

/**
 * Per-user HS256 tokens minted before connect, cached until close to expiry. The cache holds the
 * `maxEntries` most recently minted; an older user minted again simply gets a fresh token.
 */
export function createSecretTokenProvider(secret: string, ttlMs = TOKEN_TTL_MS, maxEntries = TOKEN_CACHE_MAX_ENTRIES): TokenProvider {
  const cache = new Map<string, { token: string; expiresAtMs: number }>();
  const mint = createTokenMinter(secret);
  return (userId: string, role: Role) => {
    const key = `${role}\u0000${userId}`;
    const now = Date.now();
    const cached = cache.get(key);
    if (cached && cached.expiresAtMs - now > Math.min(RENEW_BEFORE_MS, ttlMs / 2)) return cached.token;
    const token = mint({ sub: userId, role, ttlMs, nowMs: now });
    // Re-inserted at the end, so the first key is always the least recently minted.
    cache.delete(key);
    cache.set(key, { token, expiresAtMs: now + ttlMs });
    if (cache.size > maxEntries) cache.delete(cache.keys().next().value as string);
    return token;
  };
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
