import type { Redis } from 'ioredis';
import { checkPrefix } from '../store/redis-store.ts';
import type { TypingGate } from './typing-gate.ts';

export interface RedisTypingGateOptions {
  /** Keys are `${prefix}:typing:{userId}:{bookingId}`. */
  prefix: string;
}

/**
 * The typing limit shared by every node: the first `typing:start` claims a key for the
 * interval (SET NX PX), so at most one per sender per booking per interval passes whichever
 * node the sender's sockets are on. The interval is measured on Redis's clock, not the
 * caller's `nowMs` (one clock for all nodes); keys expire on their own, so `prune` has
 * nothing to do.
 */
export function createRedisTypingGate(redis: Redis, intervalMs: number, options: RedisTypingGateOptions): TypingGate {
  const prefix = checkPrefix(options.prefix);
  if (!Number.isFinite(intervalMs) || intervalMs < 1) throw new Error(`redis typing gate: intervalMs must be at least 1, got ${intervalMs}`);
  const px = Math.ceil(intervalMs);
  return {
    async allowStart(userId, bookingId) {
      return (await redis.set(`${prefix}:typing:${userId}:${bookingId}`, '1', 'PX', px, 'NX')) === 'OK';
    },
    prune() {},
  };
}
