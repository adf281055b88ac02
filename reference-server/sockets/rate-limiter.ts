/**
 * Per-socket event rate limit (docs/contract.md §2.2): a token bucket of `ratePerSec` refills
 * up to `burst`. A socket that keeps running into the limit for `sustainedMs` is to be
 * disconnected. Pure: time comes in as an argument.
 */
export interface RateLimiter {
  /** 'ok' to handle the event, 'limited' to refuse it, 'disconnect' to drop the socket. */
  take(nowMs: number): 'ok' | 'limited' | 'disconnect';
}

export interface RateLimiterOptions {
  ratePerSec: number;
  burst: number;
  sustainedMs: number;
}

/** A pause longer than this between refusals means the socket calmed down. */
const CALM_GAP_MS = 1_000;

export function createRateLimiter(options: RateLimiterOptions, nowMs: number): RateLimiter {
  let tokens = options.burst;
  let lastRefillMs = nowMs;
  let limitedSinceMs: number | undefined;
  let lastRefusalMs = -Infinity;

  return {
    take(now) {
      tokens = Math.min(options.burst, tokens + ((now - lastRefillMs) / 1000) * options.ratePerSec);
      lastRefillMs = now;
      if (limitedSinceMs !== undefined && now - lastRefusalMs > CALM_GAP_MS) limitedSinceMs = undefined;
      if (tokens >= 1) {
        tokens -= 1;
        return 'ok';
      }
      lastRefusalMs = now;
      limitedSinceMs ??= now;
      return now - limitedSinceMs >= options.sustainedMs ? 'disconnect' : 'limited';
    },
  };
}
