import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { Server, type ServerOptions } from 'socket.io';
import { LIMITS, UNAUTHORIZED_MESSAGE } from '../src/contract/index.ts';
import { authenticate, type Authenticated } from './auth.ts';
import type { Fanout, ServerContext } from './context.ts';
import { announcePresence, sweepPresence } from './domain/presence.ts';
import { createApiHandler } from './http/api.ts';
import { sendError } from './http/json.ts';
import { Gauge } from 'prom-client';
import { startSlowConsumerGuard, totalBufferedBytes } from './sockets/slow-consumers.ts';
import { createServerMetrics, hostForUrl, startMetricsListener, type MetricsListener } from './metrics.ts';
import { createMemoryPresenceStore, type PresenceStore } from './presence/presence-store.ts';
import { createNodeMemoryPresenceStore, type NodeMemoryPresenceStore } from './presence/node-memory-presence-store.ts';
import { createMemoryTypingGate } from './presence/typing-gate.ts';
import { createKeyedSerial, type KeyedSerial } from './serial.ts';
import type { BazaarSocket } from './sockets/define-handler.ts';
import { createConnectionHandler } from './sockets/connection.ts';
import { createMemoryStore } from './store/memory-store.ts';
import { findDefect, findVariant, type DefectOverrides } from './defects/index.ts';
import type { Store } from './store/store.ts';
import { startOrderedFanout, type OrderedFanout } from './cluster/ordered-fanout.ts';
import { createSessionGuard, guardNamespaces, recheckRecoveredRooms, type SessionGuard } from './cluster/recovery.ts';
import { connectRedisMode, isAdapterName, ADAPTERS, type AdapterName, type RedisMode, type RedisModeOptions } from './cluster/redis-mode.ts';

export interface ReferenceServerOptions {
  /** HS256 secret for every token. Default: a random one (read it back from the result). */
  jwtSecret?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 60 s (contract §2.6.4). */
  presenceTtlMs?: number;
  /** Default 20 s. */
  presenceHeartbeatMs?: number;
  /** How often lapsed presence is swept. Default: a quarter of the TTL, at most 5 s. */
  presenceSweepMs?: number;
  /** Prometheus listener port, default 0 (any free port); `false` for none. */
  metricsPort?: number | false;
  /** Default 127.0.0.1: metrics stay on loopback unless asked. */
  metricsHost?: string;
  logger?: Logger;
  /** Start with a deliberate defect (reference-server/DEFECTS.md) to prove a check can fail. */
  defect?: string;
  /**
   * Start as a correct variant (reference-server/DEFECTS.md, "Variants"): behaviour the contract
   * allows but this server does not choose, to prove the checks raise no false alarm on it.
   */
  variant?: string;
  store?: Store;
  presence?: PresenceStore;
  /**
   * Where presence lives, when `presence` is not given: 'shared' (default) in the deployment's
   * store with a TTL (Redis in Redis mode), or 'node-memory': each node keeps its own users'
   * presence and tells the others by io.serverSideEmit, so a killed node's users stay online
   * for good (presence/node-memory-presence-store.ts; kept to reproduce that, docs/repro/ghost-after-kill.md).
   */
  presenceStore?: PresenceStoreKind;
  /**
   * Redis mode (docs/scaling.md): store, presence and typing gate on this Redis, the chosen
   * adapter, and the ordered fan-out, so that several nodes serve one marketplace.
   */
  redis?: RedisModeOptions;
  /** Which Socket.IO adapter in Redis mode. Default 'redis' (classic pub/sub). */
  adapter?: AdapterName;
  /**
   * How events reach rooms in Redis mode: 'ordered' (default) keeps seq and versions in order
   * across nodes; 'adapter' is the stock io.to(room).emit, kept to show what goes wrong without it.
   */
  fanout?: 'ordered' | 'adapter';
  /**
   * Connection state recovery, re-authorized: the token is verified again and must be the
   * session's own user's before a single missed packet is written, an expired one cannot resume,
   * and restored rooms are re-checked. One node in memory, or Redis mode with the streams
   * adapter. Default off.
   */
  recovery?: boolean | { maxDisconnectionDurationMs?: number };
  /**
   * Answer only the acks the contract requires (`message:send`, `read:mark`, and joins when
   * asked), leaving the optional ones (`presence:heartbeat`, leaves) unanswered, as a server
   * that follows docs/contract.md §5 to the letter may. Default false: every ack asked for is answered.
   */
  minimalAcks?: boolean;
  /** Called with the Socket.IO server before it listens (e.g. @socket.io/sticky's setupWorker). */
  attach?: (io: Server) => void;
  /** Engine.IO heartbeat: a ping every this many ms (Socket.IO's default 25 s). The repro catalog raises it past a proxy's idle timeout. */
  pingIntervalMs?: number;
  /** How long a ping may wait for its pong (Socket.IO's default 20 s). */
  pingTimeoutMs?: number;
  /**
   * Disconnect slow consumers (docs/repro/slow-consumer.md): a socket holding more than this many
   * unsent bytes (Engine.IO writeBuffer + ws send buffer) for `slowConsumerGraceMs` (default 2 s)
   * is closed, counted as disconnect reason 'slow consumer'. Default off, as in Socket.IO: its
   * buffers are unbounded, and a client that stops reading is only dropped by the heartbeat.
   */
  slowConsumerMaxBufferedBytes?: number;
  slowConsumerGraceMs?: number;
}

export const PRESENCE_STORES = ['shared', 'node-memory'] as const;
export type PresenceStoreKind = (typeof PRESENCE_STORES)[number];
/** The event nodes with node-memory presence tell each other their users' comings and goings by. */
const PEER_PRESENCE_EVENT = 'bazaar:presence';

export interface ReferenceServer {
  /** Base URL for Socket.IO and the HTTP API, e.g. http://127.0.0.1:3000 */
  url: string;
  /** Prometheus endpoint, or undefined when metrics are off. */
  metricsUrl: string | undefined;
  jwtSecret: string;
  port: number;
  /** Stop accepting, tell sockets, close everything. Safe to call twice. */
  close(): Promise<void>;
}

/** Listen, turning the usual failures into messages that say what to do. */
function listen(server: import('node:http').Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(Object.assign(new Error(`port ${port} on ${host} is already in use; choose another port (0 picks a free one)`, { cause: error }), { code: error.code }));
      } else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') {
        reject(Object.assign(new Error(`cannot listen on ${host}: no such local address`, { cause: error }), { code: error.code }));
      } else reject(error);
    });
    // exclusive: in a cluster worker, port 0 would otherwise be one port shared by all workers.
    server.listen({ port, host, exclusive: true }, () => resolve());
  });
}

function wrapStore(overrides: DefectOverrides, store: Store): Store {
  return overrides.wrapStore ? overrides.wrapStore(store) : store;
}

export function generateSecret(): string {
  return randomBytes(24).toString('base64url');
}

async function startRedisMode(options: ReferenceServerOptions): Promise<{ mode: RedisMode; adapter: AdapterName }> {
  const adapter = options.adapter ?? 'redis';
  if (!isAdapterName(adapter)) throw new Error(`unknown adapter "${String(adapter)}": choose one of ${ADAPTERS.join(', ')}`);
  if (options.defect) throw new Error('defects run on one node in memory: leave out either the defect or the redis option');
  if (!options.redis?.url) throw new Error('redis.url is empty: give a redis:// url');
  return { mode: await connectRedisMode(options.redis, adapter), adapter };
}

/** A keyed serial whose tasks end only once the events they emitted are published. */
function settlingSerial(inner: KeyedSerial, fanout: OrderedFanout): KeyedSerial {
  return {
    run(key, task) {
      return inner.run(key, async () => {
        try {
          return await task();
        } finally {
          await fanout.settled();
        }
      });
    },
  };
}

/**
 * The defect `recovery-resume-ignores-exp` only: a resumed session's token is judged at the time
 * its session was still valid, for a client that reconnects with the token it had and refreshes after.
 */
function resumeClock(socket: { recovered: boolean; data: unknown }, nowMs: number): number {
  const expiresAtMs = (socket.data as { expiresAtMs?: unknown } | undefined)?.expiresAtMs;
  return socket.recovered && typeof expiresAtMs === 'number' ? Math.min(nowMs, expiresAtMs - 1) : nowMs;
}

export async function startReferenceServer(options: ReferenceServerOptions = {}): Promise<ReferenceServer> {
  if (options.jwtSecret === '') throw new Error('jwtSecret is empty: give a secret, or leave it out to generate one');
  const jwtSecret = options.jwtSecret ?? generateSecret();
  const host = options.host ?? '127.0.0.1';
  const ttlMs = options.presenceTtlMs ?? LIMITS.defaultPresenceTtlMs;
  const heartbeatMs = options.presenceHeartbeatMs ?? Math.min(LIMITS.defaultPresenceHeartbeatMs, Math.floor(ttlMs / 3));
  const sweepMs = options.presenceSweepMs ?? Math.max(50, Math.min(5_000, Math.floor(ttlMs / 4)));
  const log = options.logger ?? pino({ level: 'silent' });
  const defect = options.defect ? findDefect(options.defect) : undefined;
  if (options.defect && options.variant) throw new Error('a defect and a variant replace the same code: give one of them');
  if (options.presenceStore !== undefined && !(PRESENCE_STORES as readonly string[]).includes(options.presenceStore)) {
    throw new Error(`unknown presence store "${String(options.presenceStore)}": choose one of ${PRESENCE_STORES.join(', ')}`);
  }
  const variant = options.variant ? findVariant(options.variant) : undefined;
  const overrides: DefectOverrides = defect?.overrides() ?? variant?.overrides() ?? {};
  if (defect) log.warn({ defect: defect.name }, `DEFECT ON: ${defect.description}`);
  if (variant) log.info({ variant: variant.name }, `variant: ${variant.description}`);
  const metrics = createServerMetrics();

  const redisMode = options.redis ? await startRedisMode(options) : undefined;
  const httpServer = createServer();
  const serverOptions: Partial<ServerOptions> = {
    maxHttpBufferSize: overrides.maxHttpBufferSizeBytes ?? LIMITS.maxHttpBufferSizeBytes,
    serveClient: false,
    ...(options.pingIntervalMs ? { pingInterval: options.pingIntervalMs } : {}),
    ...(options.pingTimeoutMs ? { pingTimeout: options.pingTimeoutMs } : {}),
    ...(overrides.allowRequest ? { allowRequest: overrides.allowRequest } : {}),
  };
  // The adapter is a server option, in place before the first connection: an adapter set later
  // silently drops every socket that connected before it from broadcasts (socket.io-redis-adapter#348).
  if (redisMode) serverOptions.adapter = redisMode.mode.adapter;
  // A defect that needs recovery to show turns it on (defects always run on one node in memory).
  const recovery = options.recovery ?? (overrides.recoveryReplayBeforeAuth || overrides.recoveryResumeIgnoresExpiry ? true : undefined);
  let sessionGuard: SessionGuard | undefined;
  if (recovery) {
    if (redisMode && redisMode.adapter !== 'streams') {
      await redisMode.mode.close();
      throw new Error('recovery needs the streams adapter in Redis mode: the classic and sharded pub/sub adapters cannot keep missed packets (https://socket.io/docs/v4/connection-state-recovery)');
    }
    const maxDisconnectionDuration = typeof recovery === 'object' ? recovery.maxDisconnectionDurationMs ?? 120_000 : 120_000;
    // skipMiddlewares false: a resumed session is authenticated again (the library default skips it).
    // Without an adapter option Socket.IO keeps sessions in memory (its SessionAwareAdapter).
    serverOptions.connectionStateRecovery = { maxDisconnectionDuration, skipMiddlewares: false };
    sessionGuard = createSessionGuard({ nowMs: () => Date.now(), replayBeforeAuth: overrides.recoveryReplayBeforeAuth, ignoreExpiry: overrides.recoveryResumeIgnoresExpiry });
  }
  const io = new Server(httpServer, serverOptions);
  if (sessionGuard) guardNamespaces(io, sessionGuard);
  let nodeMemoryPresence: NodeMemoryPresenceStore | undefined;
  if (options.presenceStore === 'node-memory' && !options.presence) {
    nodeMemoryPresence = createNodeMemoryPresenceStore({
      nodeId: `${process.pid}-${randomBytes(4).toString('hex')}`,
      // serverSideEmit reaches every other node through the adapter (none on one node in memory).
      publish: (change) => {
        if (redisMode) io.serverSideEmit(PEER_PRESENCE_EVENT, change);
      },
    });
    io.on(PEER_PRESENCE_EVENT, (change: unknown) => nodeMemoryPresence!.received(change));
  }
  new Gauge({
    name: 'socket_io_buffered_bytes',
    help: 'Bytes held for sockets and not yet written to the kernel (Engine.IO writeBuffer + ws send buffer), summed over the sockets',
    registers: [metrics.registry],
    collect() {
      this.set(totalBufferedBytes(io));
    },
  });

  const adapterFanout: Fanout = {
    emit(room, event, payload, exceptSocketId) {
      const target = exceptSocketId ? io.to(room).except(exceptSocketId) : io.to(room);
      target.emit(event, payload);
      metrics.countOut(event);
    },
  };
  let ordered: OrderedFanout | undefined;
  if (redisMode && options.fanout !== 'adapter') {
    try {
      ordered = await startOrderedFanout({
        prefix: redisMode.mode.prefix,
        pub: redisMode.mode.pub,
        sub: redisMode.mode.fanoutSub,
        io,
        log,
        countOut: (event) => metrics.countOut(event),
      });
    } catch (error) {
      await io.close();
      await redisMode.mode.close();
      throw error;
    }
  }
  const fanout: Fanout = ordered ?? adapterFanout;
  const serial = createKeyedSerial();

  const ctx: ServerContext = {
    store: wrapStore(overrides, options.store ?? redisMode?.mode.store ?? createMemoryStore()),
    presence: options.presence ?? nodeMemoryPresence ?? redisMode?.mode.presence ?? createMemoryPresenceStore(),
    typing: overrides.typingGate?.() ?? redisMode?.mode.typing ?? createMemoryTypingGate(LIMITS.typingStartMinIntervalMs),
    fanout,
    // With the ordered fan-out a task's events are published by the time it resolves, so an
    // ack or an HTTP answer is never ahead of the publish of its own event.
    serial: ordered ? settlingSerial(serial, ordered) : serial,
    presenceSettings: { ttlMs, heartbeatMs, sweepMs },
    log,
    nowMs: () => Date.now(),
  };

  // Handshake: the token comes from `auth` only; a query-string token is never read.
  type Middleware = Parameters<typeof io.use>[0];
  const admit = (socket: Parameters<Middleware>[0], result: Authenticated, next: Parameters<Middleware>[1]) => {
    if (!result.ok) {
      log.debug({ reason: result.reason, address: socket.handshake.address }, 'handshake rejected');
      next(new Error(UNAUTHORIZED_MESSAGE));
      return;
    }
    // A resumed session belongs to the user it was made for, whatever valid token comes with it.
    const restored = socket.recovered ? (socket.data as { user?: { userId?: string } } | undefined)?.user : undefined;
    if (socket.recovered && restored?.userId !== result.user.userId) {
      log.warn({ sessionUser: restored?.userId, tokenUser: result.user.userId }, 'recovered session presented with another user\'s token');
      next(new Error(UNAUTHORIZED_MESSAGE));
      return;
    }
    // Re-authorized as the session's own user: only now may what it missed be written.
    if (socket.recovered) sessionGuard?.authorized(socket);
    socket.data = { user: result.user, expiresAtMs: result.expiresAtMs };
    ctx.store.recordUser(result.user.userId, result.user.role).then(
      () => next(),
      (error: unknown) => {
        log.error({ err: error }, 'recording the user failed');
        next(new Error('internal'));
      },
    );
  };
  const handshakeMiddleware: Middleware = (socket, next) => {
    const auth = socket.handshake.auth as Record<string, unknown> | undefined;
    const nowMs = overrides.recoveryResumeIgnoresExpiry ? resumeClock(socket, ctx.nowMs()) : ctx.nowMs();
    const result = overrides.authenticateHandshake
      ? overrides.authenticateHandshake(auth, socket.handshake.query, jwtSecret, nowMs, socket.conn.transport.name)
      : authenticate(auth?.token, jwtSecret, nowMs);
    // Only a defect's verifier may be asynchronous (one that fetches keys).
    if (result instanceof Promise) {
      result.then((settled) => admit(socket, settled, next), () => admit(socket, { ok: false, reason: 'the verifier failed' }, next));
      return;
    }
    admit(socket, result, next);
  };
  io.use(handshakeMiddleware);
  overrides.namespaces?.(io, handshakeMiddleware);
  options.attach?.(io);
  const onConnection = createConnectionHandler({ ctx, metrics, minimalAcks: options.minimalAcks === true }, overrides);
  io.on('connection', (socket) => {
    // The missed packets first, right after the CONNECT answer, as Socket.IO would have sent them.
    if (socket.recovered) sessionGuard?.replay(socket);
    onConnection(socket as unknown as BazaarSocket);
    if (socket.recovered) {
      recheckRecoveredRooms(ctx, socket as unknown as BazaarSocket).then(
        (left) => left.length > 0 && log.info({ left }, 'recovered socket left rooms it may no longer be in'),
        (error: unknown) => {
          log.error({ err: error }, 're-checking recovered rooms failed; disconnecting');
          socket.disconnect(true);
        },
      );
    }
  });
  io.engine.on('connection_error', (error: { code: number; message: string }) => {
    log.debug({ code: error.code, message: error.message }, 'engine connection error');
    metrics.countConnectionError(error.code, error.message);
  });

  const handleApi = createApiHandler(ctx, jwtSecret, overrides.http);
  httpServer.on('request', (req, res) => {
    // Socket.IO answers its own path; everything else is the HTTP API.
    if (req.url?.startsWith('/socket.io/')) return;
    handleApi(req, res).catch((error: unknown) => {
      log.error({ err: error }, 'http request failed');
      if (!res.headersSent) sendError(res, { code: 'internal', message: 'the server failed; it has been logged' });
    });
  });

  try {
    await listen(httpServer, options.port ?? 0, host);
  } catch (error) {
    await io.close();
    await ordered?.close();
    await redisMode?.mode.close();
    throw error;
  }
  const { port } = httpServer.address() as AddressInfo;

  let metricsListener: MetricsListener | undefined;
  if (options.metricsPort !== false) {
    try {
      metricsListener = await startMetricsListener(metrics.registry, {
        host: options.metricsHost ?? '127.0.0.1',
        port: options.metricsPort ?? 0,
      });
    } catch (error) {
      await io.close();
      await ordered?.close();
      await redisMode?.mode.close();
      throw error;
    }
  }

  const stopSlowConsumerGuard = options.slowConsumerMaxBufferedBytes
    ? startSlowConsumerGuard(io, {
        maxBufferedBytes: options.slowConsumerMaxBufferedBytes,
        ...(options.slowConsumerGraceMs ? { graceMs: options.slowConsumerGraceMs } : {}),
        onSlow: (socketId, bytes) => log.warn({ socketId, bufferedBytes: bytes }, 'slow consumer: disconnecting'),
      })
    : () => {};
  let sweeping = false;
  const sweeper = setInterval(() => {
    if (sweeping || overrides.noPresenceSweep) return;
    sweeping = true;
    ctx.typing.prune(ctx.nowMs());
    sweepPresence(ctx)
      .catch((error: unknown) => log.error({ err: error }, 'presence sweep failed'))
      .finally(() => {
        sweeping = false;
      });
  }, sweepMs);

  let closing: Promise<void> | undefined;
  const url = `http://${hostForUrl(host)}:${port}`;
  log.info({ url, metricsUrl: metricsListener?.url, redis: redisMode?.adapter, fanout: redisMode ? (ordered ? 'ordered' : 'adapter') : undefined }, 'reference server listening');

  return {
    url,
    metricsUrl: metricsListener?.url,
    jwtSecret,
    port,
    close() {
      closing ??= (async () => {
        clearInterval(sweeper);
        if (nodeMemoryPresence) {
          // Node-memory presence lets go of its users on a clean close (a killed node never does).
          for (const userId of nodeMemoryPresence.release()) announcePresence(ctx, userId, false);
          await ordered?.settled();
        }
        stopSlowConsumerGuard();
        // io.close() tells every socket ("server shutting down") and closes the HTTP server, which
        // waits for every HTTP connection to end: a client that opened one and said nothing more (a
        // half-sent request, an idle keep-alive) would hold it for up to the headers timeout.
        // Closing them once the close has begun ends the wait at once.
        const closingIo = io.close();
        httpServer.closeAllConnections();
        await closingIo;
        await ordered?.close();
        await redisMode?.mode.close();
        await metricsListener?.close();
        log.info('reference server closed');
      })();
      return closing;
    },
  };
}
