import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Booking, BookingStatus, Listing, Message, Role } from '../../src/contract/index.ts';
import { RELEASING_STATUSES } from '../../src/contract/index.ts';
import { newId } from './memory-store.ts';
import type { CreateBookingResult, NewListing, NewMessage, Store, TransitionResult } from './store.ts';

export interface RedisStoreOptions {
  /** Every key this store touches starts with `${prefix}:`, so clusters and tests can share a Redis. */
  prefix: string;
}

/*
 * Key layout (ids never contain ':' — docs/contract.md §2 — so keys cannot collide):
 *
 *   {prefix}:user:{userId}:roles                              SET of roles
 *   {prefix}:listing:{listingId}                              HASH id sellerId title price private available version
 *   {prefix}:listing:{listingId}:bookings                     SET of booking ids on the listing
 *   {prefix}:listing:{listingId}:buyers                       SET of buyer ids with a booking on it
 *   {prefix}:booking:{bookingId}                              HASH id listingId buyerId sellerId status version
 *   {prefix}:booking:{bookingId}:seq                          STRING the last seq handed out
 *   {prefix}:booking:{bookingId}:messages                     LIST of message ids; seq n at index n-1
 *   {prefix}:message:{bookingId}:{messageId}                  HASH id bookingId seq senderId body clientMsgId sentAt readAt
 *   {prefix}:idem:{bookingId}:{senderId}:{clientMsgId}        STRING the message id first stored for this retry key
 *
 * Booleans are '1'/'0'; readAt is '' until read. Numbers are written from JavaScript's
 * String(n) and never computed on in Lua (except the integer version and seq counters), so a
 * price round-trips exactly.
 *
 * Scripts that decide a race run as one Lua script each: Redis runs a script without
 * interleaving any other command, so the check and the write cannot be separated by another
 * node's call. The store assumes one Redis primary (standalone, or Sentinel): some scripts
 * derive keys from what they read (a booking's listing, a retried message), which Redis Cluster
 * would reject across slots.
 */

/** Exactly one caller wins an available listing; the flip, version bump, booking and index are one step. */
const CREATE_BOOKING = defineLua(`
-- KEYS: listing, new booking, listing's bookings set, listing's buyers set
-- ARGV: bookingId, buyerId, listingId
if redis.call('EXISTS', KEYS[1]) == 0 then return {'not_found'} end
if redis.call('HGET', KEYS[1], 'available') ~= '1' then return {'conflict'} end
redis.call('HSET', KEYS[1], 'available', '0')
redis.call('HINCRBY', KEYS[1], 'version', 1)
local sellerId = redis.call('HGET', KEYS[1], 'sellerId')
redis.call('HSET', KEYS[2], 'id', ARGV[1], 'listingId', ARGV[3], 'buyerId', ARGV[2], 'sellerId', sellerId,
  'status', 'requested', 'version', '1')
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('SADD', KEYS[4], ARGV[2])
return {'ok', redis.call('HGETALL', KEYS[2]), redis.call('HGETALL', KEYS[1])}
`);

/** Compare-and-set on status; a releasing status gives the listing back (version+1) in the same step. */
const TRANSITION_BOOKING = defineLua(`
-- KEYS: booking
-- ARGV: from, to, releases ('1' or '0'), prefix
if redis.call('EXISTS', KEYS[1]) == 0 then return {'not_found'} end
if redis.call('HGET', KEYS[1], 'status') ~= ARGV[1] then return {'conflict'} end
redis.call('HSET', KEYS[1], 'status', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'version', 1)
if ARGV[3] == '1' then
  local listingKey = ARGV[4] .. ':listing:' .. redis.call('HGET', KEYS[1], 'listingId')
  if redis.call('HGET', listingKey, 'available') == '0' then
    redis.call('HSET', listingKey, 'available', '1')
    redis.call('HINCRBY', listingKey, 'version', 1)
    return {'ok', redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', listingKey)}
  end
end
return {'ok', redis.call('HGETALL', KEYS[1])}
`);

/**
 * The idempotency key is claimed (SET NX) and the seq taken (INCR) and the message stored and
 * indexed, all in one step: no gap, no duplicate seq, and a retry sees the first message.
 */
const APPEND_MESSAGE = defineLua(`
-- KEYS: idempotency key, booking's seq counter, booking's message list, new message
-- ARGV: messageId, bookingId, senderId, body, clientMsgId, sentAt, prefix
if not redis.call('SET', KEYS[1], ARGV[1], 'NX') then
  local firstId = redis.call('GET', KEYS[1])
  return {0, redis.call('HGETALL', ARGV[7] .. ':message:' .. ARGV[2] .. ':' .. firstId)}
end
local seq = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[4], 'id', ARGV[1], 'bookingId', ARGV[2], 'seq', seq, 'senderId', ARGV[3],
  'body', ARGV[4], 'clientMsgId', ARGV[5], 'sentAt', ARGV[6], 'readAt', '')
redis.call('RPUSH', KEYS[3], ARGV[1])
return {1, redis.call('HGETALL', KEYS[4])}
`);

/** A consistent snapshot of the messages after a seq, in seq order. */
const LIST_MESSAGES = defineLua(`
-- KEYS: booking's message list
-- ARGV: first index (= afterSeq), prefix, bookingId
local ids = redis.call('LRANGE', KEYS[1], tonumber(ARGV[1]), -1)
local out = {}
for i, id in ipairs(ids) do
  out[i] = redis.call('HGETALL', ARGV[2] .. ':message:' .. ARGV[3] .. ':' .. id)
end
return out
`);

/** readAt is set once; later calls read the first value. */
const MARK_READ = defineLua(`
-- KEYS: message
-- ARGV: readAt
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
if redis.call('HGET', KEYS[1], 'readAt') ~= '' then return {0, redis.call('HGETALL', KEYS[1])} end
redis.call('HSET', KEYS[1], 'readAt', ARGV[1])
return {1, redis.call('HGETALL', KEYS[1])}
`);

/** Price and version change together, and never on a listing that does not exist. */
const CHANGE_PRICE = defineLua(`
-- KEYS: listing
-- ARGV: price
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
redis.call('HSET', KEYS[1], 'price', ARGV[1])
redis.call('HINCRBY', KEYS[1], 'version', 1)
return redis.call('HGETALL', KEYS[1])
`);

/**
 * The store on Redis, for several server nodes sharing one Redis. The caller owns the client
 * (connects, quits): the reference server takes it from its own configuration.
 */
export function createRedisStore(redis: Redis, options: RedisStoreOptions): Store {
  const prefix = checkPrefix(options.prefix);
  const key = {
    roles: (userId: string) => `${prefix}:user:${userId}:roles`,
    listing: (listingId: string) => `${prefix}:listing:${listingId}`,
    listingBookings: (listingId: string) => `${prefix}:listing:${listingId}:bookings`,
    listingBuyers: (listingId: string) => `${prefix}:listing:${listingId}:buyers`,
    booking: (bookingId: string) => `${prefix}:booking:${bookingId}`,
    seq: (bookingId: string) => `${prefix}:booking:${bookingId}:seq`,
    messages: (bookingId: string) => `${prefix}:booking:${bookingId}:messages`,
    message: (bookingId: string, messageId: string) => `${prefix}:message:${bookingId}:${messageId}`,
    idem: (bookingId: string, senderId: string, clientMsgId: string) => `${prefix}:idem:${bookingId}:${senderId}:${clientMsgId}`,
  };

  return {
    async recordUser(userId: string, role: Role) {
      await redis.sadd(key.roles(userId), role);
    },
    async hasRole(userId: string, role: Role) {
      return (await redis.sismember(key.roles(userId), role)) === 1;
    },

    async createListing(input: NewListing) {
      const listing: Listing = { id: newId('l'), ...input, available: true, version: 1 };
      await redis.hset(key.listing(listing.id), {
        id: listing.id,
        sellerId: listing.sellerId,
        title: listing.title,
        price: String(listing.price),
        private: listing.private ? '1' : '0',
        available: '1',
        version: '1',
      });
      return listing;
    },
    async getListing(listingId: string) {
      const fields = await redis.hgetall(key.listing(listingId));
      return isEmpty(fields) ? undefined : toListing(fields);
    },
    async changePrice(listingId: string, price: number) {
      const reply = await runLua(redis, CHANGE_PRICE, [key.listing(listingId)], [String(price)]);
      return reply === null ? undefined : toListing(pairsToRecord(reply));
    },

    async createBooking(listingId: string, buyerId: string): Promise<CreateBookingResult> {
      const bookingId = newId('b');
      const reply = (await runLua(redis, CREATE_BOOKING,
        [key.listing(listingId), key.booking(bookingId), key.listingBookings(listingId), key.listingBuyers(listingId)],
        [bookingId, buyerId, listingId])) as [string, unknown?, unknown?];
      if (reply[0] === 'not_found' || reply[0] === 'conflict') return { ok: false, reason: reply[0] };
      return { ok: true, booking: toBooking(pairsToRecord(reply[1])), listing: toListing(pairsToRecord(reply[2])) };
    },
    async getBooking(bookingId: string) {
      const fields = await redis.hgetall(key.booking(bookingId));
      return isEmpty(fields) ? undefined : toBooking(fields);
    },
    async hasBookingOn(listingId: string, buyerId: string) {
      return (await redis.sismember(key.listingBuyers(listingId), buyerId)) === 1;
    },
    async transitionBooking(bookingId: string, from: BookingStatus, to: BookingStatus): Promise<TransitionResult> {
      const releases = RELEASING_STATUSES.includes(to) ? '1' : '0';
      const reply = (await runLua(redis, TRANSITION_BOOKING, [key.booking(bookingId)], [from, to, releases, prefix])) as [string, unknown?, unknown?];
      if (reply[0] === 'not_found' || reply[0] === 'conflict') return { ok: false, reason: reply[0] };
      const result: TransitionResult = { ok: true, booking: toBooking(pairsToRecord(reply[1])), from };
      if (reply[2] !== undefined) result.releasedListing = toListing(pairsToRecord(reply[2]));
      return result;
    },

    async appendMessage(input: NewMessage) {
      const messageId = newId('m');
      const reply = (await runLua(redis, APPEND_MESSAGE,
        [key.idem(input.bookingId, input.senderId, input.clientMsgId), key.seq(input.bookingId), key.messages(input.bookingId), key.message(input.bookingId, messageId)],
        [messageId, input.bookingId, input.senderId, input.body, input.clientMsgId, String(input.sentAt), prefix])) as [number, unknown];
      const fields = pairsToRecord(reply[1]);
      if (isEmpty(fields)) {
        // Only if someone deleted the message but not its idempotency key.
        throw new Error(`redis store: the idempotency key for clientMsgId "${input.clientMsgId}" in booking ${input.bookingId} points at a message that is gone`);
      }
      return { message: toMessage(fields), created: reply[0] === 1 };
    },
    async getMessage(bookingId: string, messageId: string) {
      const fields = await redis.hgetall(key.message(bookingId, messageId));
      return isEmpty(fields) ? undefined : toMessage(fields);
    },
    async listMessages(bookingId: string, afterSeq: number) {
      // Same reading of odd afterSeq values as the memory store's slice(afterSeq).
      const start = Number.isNaN(afterSeq) ? 0 : Math.max(0, Math.trunc(afterSeq));
      if (!Number.isSafeInteger(start)) return [];
      const reply = (await runLua(redis, LIST_MESSAGES, [key.messages(bookingId)], [start, prefix, bookingId])) as unknown[];
      return reply.map((pairs) => toMessage(pairsToRecord(pairs)));
    },
    async markRead(bookingId: string, messageId: string, readAt: number) {
      const reply = (await runLua(redis, MARK_READ, [key.message(bookingId, messageId)], [String(readAt)])) as [number, unknown] | null;
      if (reply === null) return undefined;
      return { message: toMessage(pairsToRecord(reply[1])), changed: reply[0] === 1 };
    },
  };
}

export function checkPrefix(prefix: string): string {
  if (typeof prefix !== 'string' || prefix === '') {
    throw new Error('redis store: options.prefix must be a non-empty string, e.g. "bazaar" or a per-test random prefix');
  }
  return prefix;
}

function isEmpty(record: Record<string, string>): boolean {
  return Object.keys(record).length === 0;
}

function toListing(f: Record<string, string>): Listing {
  return {
    id: f.id ?? '',
    sellerId: f.sellerId ?? '',
    title: f.title ?? '',
    price: Number(f.price),
    private: f.private === '1',
    available: f.available === '1',
    version: Number(f.version),
  };
}

function toBooking(f: Record<string, string>): Booking {
  return {
    id: f.id ?? '',
    listingId: f.listingId ?? '',
    buyerId: f.buyerId ?? '',
    sellerId: f.sellerId ?? '',
    status: f.status as BookingStatus,
    version: Number(f.version),
  };
}

function toMessage(f: Record<string, string>): Message {
  return {
    id: f.id ?? '',
    bookingId: f.bookingId ?? '',
    seq: Number(f.seq),
    senderId: f.senderId ?? '',
    body: f.body ?? '',
    clientMsgId: f.clientMsgId ?? '',
    sentAt: Number(f.sentAt),
    readAt: f.readAt === undefined || f.readAt === '' ? null : Number(f.readAt),
  };
}

// --- Lua helpers, shared with the Redis presence store -------------------------------------

export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

export function defineLua(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * EVALSHA, falling back to EVAL when the server has not seen the script (a fresh, restarted or
 * flushed Redis). Unlike ioredis's defineCommand this adds no methods to the caller's client,
 * so stores with different prefixes can share one connection.
 */
export async function runLua(redis: Redis, script: LuaScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return redis.eval(script.source, keys.length, ...keys, ...args);
  }
}

/** A flat HGETALL reply from a script ([field, value, ...]) as an object. */
export function pairsToRecord(reply: unknown): Record<string, string> {
  const record: Record<string, string> = {};
  if (!Array.isArray(reply)) return record;
  for (let i = 0; i + 1 < reply.length; i += 2) record[String(reply[i])] = String(reply[i + 1]);
  return record;
}
