import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Server } from 'socket.io';
import type { Fanout } from '../context.ts';
import { defineLua, runLua } from '../store/redis-store.ts';

/*
 * Ordered fan-out across nodes (issue 3, docs/scaling.md "Ordered fan-out").
 *
 * The stock adapters deliver a node's own broadcast to its local sockets at once and to the
 * other nodes after a trip through Redis, so two senders on two nodes give two orders. Here no
 * node ever delivers straight away: every event is PUBLISHed to one channel, every node
 * (the sender's too) subscribes to it and delivers to its local sockets with
 * `io.local.to(room).emit` in the order Redis hands the messages out, which is the same order
 * for every subscriber.
 *
 * Publishing in that one order is not enough on its own: node A may take seq 5 from the store
 * and node B seq 6, and B's PUBLISH may still reach Redis first. So events that carry a
 * sequence (message:new's seq, the versions of listing and booking events) go through a
 * sequencer script that publishes them in sequence order: the next expected number is
 * published at once (with any later ones it had held back), an early one is held in a ZSET
 * until its predecessor arrives. Store and domain code do not change: the store already hands
 * out contiguous numbers atomically, the sequencer only restores their order on the wire.
 *
 * If a node dies between taking a number and publishing it, the hole would hold back every
 * later event of that room; after `gapMs` any node's flusher publishes what is held (in order)
 * and moves past the hole. A number that arrives after its hole was skipped is dropped (it
 * is in history), so receivers still never see a number go backwards.
 *
 * Keys (one Redis primary, as the store assumes):
 *   {prefix}:fanout:last:{room}|{counter}   STRING the last number published
 *   {prefix}:fanout:held:{room}|{counter}   ZSET   number -> envelope held back
 *   {prefix}:fanout:holes                   ZSET   {room}|{counter} -> when it first held one (ms)
 */

/** Publish in number order; hold early ones back. Returns 2 published, 1 held, 0 stale. */
const SEQUENCE = defineLua(`
-- KEYS: last, held, holes
-- ARGV: number, envelope, channel, initial last, counter id
local last = tonumber(redis.call('GET', KEYS[1]) or ARGV[4])
local n = tonumber(ARGV[1])
if n <= last then return 0 end
if n > last + 1 then
  redis.call('ZADD', KEYS[2], n, ARGV[2])
  local t = redis.call('TIME')
  redis.call('ZADD', KEYS[3], 'NX', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), ARGV[5])
  return 1
end
redis.call('PUBLISH', ARGV[3], ARGV[2])
last = n
while true do
  local nextOne = redis.call('ZRANGEBYSCORE', KEYS[2], last + 1, last + 1)
  if #nextOne == 0 then break end
  redis.call('PUBLISH', ARGV[3], nextOne[1])
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', last + 1)
  last = last + 1
end
redis.call('SET', KEYS[1], last)
if redis.call('ZCARD', KEYS[2]) == 0 then redis.call('ZREM', KEYS[3], ARGV[5]) end
return 2
`);

/** Publish, in order, everything held back for longer than the gap, skipping the holes. */
const FLUSH_HOLES = defineLua(`
-- KEYS: holes
-- ARGV: key prefix ({prefix}:fanout:), channel, gapMs
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[3]), 'LIMIT', 0, 100)
for _, id in ipairs(ids) do
  local lastKey = ARGV[1] .. 'last:' .. id
  local heldKey = ARGV[1] .. 'held:' .. id
  local last = tonumber(redis.call('GET', lastKey) or '0')
  local held = redis.call('ZRANGE', heldKey, 0, -1, 'WITHSCORES')
  for i = 1, #held, 2 do
    local n = tonumber(held[i + 1])
    if n > last then
      redis.call('PUBLISH', ARGV[2], held[i])
      last = n
    end
  end
  redis.call('SET', lastKey, last)
  redis.call('DEL', heldKey)
  redis.call('ZREM', KEYS[1], id)
end
return #ids
`);

/** Which events carry a number that must never go backwards, and where it starts. */
function sequenceOf(event: string, payload: unknown): { counter: string; n: number; initialLast: number } | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const record = payload as Record<string, unknown>;
  if (event === 'message:new' && typeof record.seq === 'number') {
    return { counter: 'seq', n: record.seq, initialLast: 0 };
  }
  // Version 1 is the creation, which is never announced: the first event carries version 2.
  if ((event === 'listing:priceChanged' || event === 'listing:availabilityChanged' || event === 'booking:statusChanged')
    && typeof record.version === 'number') {
    return { counter: 'version', n: record.version, initialLast: 1 };
  }
  return undefined;
}

interface Envelope {
  room: string;
  event: string;
  payload: unknown;
  except?: string;
}

export interface OrderedFanoutOptions {
  prefix: string;
  /** Client for PUBLISH and the sequencer (never put in subscriber mode). */
  pub: Redis;
  /** Client put in subscriber mode for the fan-out channel only. */
  sub: Redis;
  io: Server;
  log: Logger;
  countOut(event: string): void;
  /** How long a hole may hold events back before it is skipped. Default 2 s. */
  gapMs?: number;
  /** How often each node looks for holes to skip. Default 250 ms. */
  flushEveryMs?: number;
}

export interface OrderedFanout extends Fanout {
  /** Resolves when every publish issued so far has been accepted by Redis. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

export async function startOrderedFanout(options: OrderedFanoutOptions): Promise<OrderedFanout> {
  const { pub, sub, io, log, prefix } = options;
  const channel = `${prefix}:fanout`;
  const keyPrefix = `${prefix}:fanout:`;
  const holesKey = `${keyPrefix}holes`;
  const gapMs = options.gapMs ?? 2_000;

  sub.on('message', (from: string, text: string) => {
    if (from !== channel) return;
    let envelope: Envelope;
    try {
      envelope = JSON.parse(text) as Envelope;
    } catch (error) {
      log.error({ err: error }, 'ordered fan-out: unparsable envelope dropped');
      return;
    }
    const target = envelope.except ? io.local.to(envelope.room).except(envelope.except) : io.local.to(envelope.room);
    target.emit(envelope.event, envelope.payload);
  });
  // Subscribed before the node serves, so it misses nothing published after it is up.
  await sub.subscribe(channel);

  const pending = new Set<Promise<unknown>>();
  const track = (promise: Promise<unknown>, what: string) => {
    const tracked = promise.catch((error: unknown) => log.error({ err: error }, `ordered fan-out: ${what} failed`));
    pending.add(tracked);
    void tracked.finally(() => pending.delete(tracked));
  };

  let flushing = false;
  const flusher = setInterval(() => {
    if (flushing) return;
    flushing = true;
    runLua(pub, FLUSH_HOLES, [holesKey], [keyPrefix, channel, gapMs])
      .then((skipped) => {
        if (typeof skipped === 'number' && skipped > 0) log.warn({ skipped }, 'ordered fan-out: skipped holes left by a node that took a number and never published it');
      })
      .catch((error: unknown) => log.error({ err: error }, 'ordered fan-out: flushing holes failed'))
      .finally(() => {
        flushing = false;
      });
  }, options.flushEveryMs ?? 250);
  flusher.unref();

  return {
    emit(room, event, payload, exceptSocketId) {
      const envelope: Envelope = exceptSocketId ? { room, event, payload, except: exceptSocketId } : { room, event, payload };
      const text = JSON.stringify(envelope);
      const sequence = sequenceOf(event, payload);
      if (sequence) {
        const id = `${room}|${sequence.counter}`;
        track(runLua(pub, SEQUENCE, [`${keyPrefix}last:${id}`, `${keyPrefix}held:${id}`, holesKey],
          [sequence.n, text, channel, sequence.initialLast, id]), `sequencing ${event}`);
      } else {
        track(pub.publish(channel, text), `publishing ${event}`);
      }
      options.countOut(event);
    },
    async settled() {
      await Promise.all(pending);
    },
    async close() {
      clearInterval(flusher);
      await Promise.all(pending);
    },
  };
}
