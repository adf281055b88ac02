import type { Redis } from 'ioredis';
import { checkPrefix, defineLua, runLua } from '../store/redis-store.ts';
import type { PresenceStore } from './presence-store.ts';

export interface RedisPresenceStoreOptions {
  /** Every key starts with `${prefix}:presence:`. */
  prefix: string;
  /** How many lapses one script pops at most, so a mass lapse never blocks Redis for long. */
  takeBatchSize?: number;
}

/*
 * Keys:
 *   {prefix}:presence:user:{userId}   STRING expiresAtMs, with PX = ttl: the presence key with a
 *                                     TTL (issue 3) that any tool can read; refreshed by touch
 *   {prefix}:presence:expiry          ZSET userId -> expiresAtMs: who is online as announced,
 *                                     and the sweep's queue
 *
 * Online means "in the expiry set", as in the memory store: a user stays online until a sweep
 * takes the lapse, so a refresh after the TTL but before the sweep announces nothing (no
 * flicker), and the offline announcement is made by whichever node's sweep pops the member.
 * Times are the callers' nowMs, as in the memory store; the PX on the user key only makes
 * Redis clean it up on its own.
 */

/** Refresh; cameOnline when the user was not in the expiry set. Atomic with the sweep. */
const TOUCH = defineLua(`
-- KEYS: expiry zset, user key
-- ARGV: userId, expiresAtMs, ttlMs
local was = redis.call('ZSCORE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
if was then return 0 end
return 1
`);

/**
 * Pop up to ARGV[2] members whose expiry is <= now, in one step: a member is removed by the
 * same script that returns it, so with any number of nodes sweeping at once each lapse is
 * returned to exactly one of them.
 */
const TAKE_LAPSED = defineLua(`
-- KEYS: expiry zset
-- ARGV: nowMs, batch size, user key prefix
local lapsed = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
if #lapsed == 0 then return lapsed end
redis.call('ZREM', KEYS[1], unpack(lapsed))
for _, userId in ipairs(lapsed) do
  redis.call('DEL', ARGV[3] .. userId)
end
return lapsed
`);

const DEFAULT_TAKE_BATCH = 500;

export function createRedisPresenceStore(redis: Redis, options: RedisPresenceStoreOptions): PresenceStore {
  const prefix = checkPrefix(options.prefix);
  const batch = options.takeBatchSize ?? DEFAULT_TAKE_BATCH;
  if (!Number.isSafeInteger(batch) || batch < 1) throw new Error(`redis presence store: takeBatchSize must be a positive integer, got ${batch}`);
  const expiryKey = `${prefix}:presence:expiry`;
  const userKeyPrefix = `${prefix}:presence:user:`;

  return {
    async touch(userId, ttlMs, nowMs) {
      const reply = await runLua(redis, TOUCH, [expiryKey, userKeyPrefix + userId],
        [userId, String(nowMs + ttlMs), String(Math.max(1, Math.ceil(ttlMs)))]);
      return { cameOnline: reply === 1 };
    },
    async isOnline(userId) {
      return (await redis.zscore(expiryKey, userId)) !== null;
    },
    async takeLapsed(nowMs) {
      const lapsed: string[] = [];
      // Each batch is its own atomic pop; a lapse taken by another node between batches is
      // simply not in ours.
      for (;;) {
        const taken = (await runLua(redis, TAKE_LAPSED, [expiryKey], [String(nowMs), batch, userKeyPrefix])) as string[];
        lapsed.push(...taken);
        if (taken.length < batch) return lapsed;
      }
    },
  };
}
