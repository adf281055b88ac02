import { createAdapter as createRedisAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { createAdapter as createStreamsAdapter } from '@socket.io/redis-streams-adapter';
import { Redis } from 'ioredis';
import type { ServerOptions } from 'socket.io';
import { LIMITS } from '../../src/contract/index.ts';
import type { PresenceStore } from '../presence/presence-store.ts';
import { createRedisPresenceStore } from '../presence/redis-presence-store.ts';
import { createRedisTypingGate } from '../presence/redis-typing-gate.ts';
import type { TypingGate } from '../presence/typing-gate.ts';
import { checkPrefix, createRedisStore } from '../store/redis-store.ts';
import type { Store } from '../store/store.ts';

export const ADAPTERS = ['redis', 'sharded', 'streams'] as const;
export type AdapterName = (typeof ADAPTERS)[number];

export function isAdapterName(value: unknown): value is AdapterName {
  return typeof value === 'string' && (ADAPTERS as readonly string[]).includes(value);
}

export interface RedisModeOptions {
  url: string;
  /** Every key and channel starts with `${prefix}:`; default "bazaar". */
  prefix?: string;
  /** Streams adapter: the stream's MAXLEN (the adapter's default 10,000 entries). */
  streamMaxLen?: number;
}

/** The Redis side of one node: its clients, its adapter and its shared state. */
export interface RedisMode {
  prefix: string;
  store: Store;
  presence: PresenceStore;
  typing: TypingGate;
  /** The adapter constructor, for the Server's `adapter` option (never io.adapter() later). */
  adapter: NonNullable<ServerOptions['adapter']>;
  /** For the ordered fan-out: publishes and runs the sequencer. */
  pub: Redis;
  /** For the ordered fan-out: subscriber mode, its own connection. */
  fanoutSub: Redis;
  close(): Promise<void>;
}

const CONNECT_TIMEOUT_MS = 5_000;

function newClient(url: string, name: string): Redis {
  return new Redis(url, {
    lazyConnect: true,
    connectionName: name,
    connectTimeout: CONNECT_TIMEOUT_MS,
    // A command waits through a short Redis blip rather than failing at once, but not forever.
    maxRetriesPerRequest: 3,
  });
}

/**
 * Connects the clients of one node: a command client for the store, presence and typing gate;
 * a publish and a subscribe client for the adapter (the streams adapter reads with its own
 * duplicate); and a subscriber for the ordered fan-out. Fails with a message naming the URL
 * when Redis does not answer, and leaves no connection behind.
 */
export async function connectRedisMode(options: RedisModeOptions, adapterName: AdapterName): Promise<RedisMode> {
  const prefix = checkPrefix(options.prefix ?? 'bazaar');
  const command = newClient(options.url, `${prefix}-command`);
  const pub = newClient(options.url, `${prefix}-pub`);
  const sub = newClient(options.url, `${prefix}-sub`);
  const fanoutSub = newClient(options.url, `${prefix}-fanout-sub`);
  const clients = [command, pub, sub, fanoutSub];
  const quitAll = async () => {
    await Promise.all(clients.map(async (client) => {
      if (client.status === 'end') return;
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    }));
  };
  // ioredis emits 'error' on every failed reconnect; unhandled, that would crash the node.
  for (const client of clients) client.on('error', () => {});
  try {
    await Promise.all(clients.map((client) => client.connect()));
  } catch (error) {
    for (const client of clients) client.disconnect();
    throw new Error(`cannot connect to Redis at ${redact(options.url)}: ${(error as Error).message}; start Redis 7 or pass another --redis url`, { cause: error });
  }

  let adapter: RedisMode['adapter'];
  if (adapterName === 'redis') {
    adapter = createRedisAdapter(pub, sub, { key: `${prefix}:socket.io`, publishOnSpecificResponseChannel: true });
  } else if (adapterName === 'sharded') {
    adapter = createShardedAdapter(pub, sub, { channelPrefix: `${prefix}:socket.io` });
  } else {
    adapter = createStreamsAdapter(pub, {
      streamName: `${prefix}:socket.io`,
      channelPrefix: `${prefix}:socket.io`,
      sessionKeyPrefix: `${prefix}:sio:session:`,
      // How long a closing node's blocked XREAD can hold its connection open.
      blockTimeInMs: 1_000,
      ...(options.streamMaxLen ? { maxLen: options.streamMaxLen } : {}),
    });
  }

  return {
    prefix,
    store: createRedisStore(command, { prefix }),
    presence: createRedisPresenceStore(command, { prefix }),
    typing: createRedisTypingGate(command, LIMITS.typingStartMinIntervalMs, { prefix }),
    adapter,
    pub,
    fanoutSub,
    close: quitAll,
  };
}

function redact(raw: string): string {
  try {
    const parsed = new URL(raw);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return raw;
  }
}
