import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { Server } from 'socket.io';
import { LIMITS, UNAUTHORIZED_MESSAGE } from '../src/contract/index.ts';
import { authenticate } from './auth.ts';
import type { Fanout, ServerContext } from './context.ts';
import { sweepPresence } from './domain/presence.ts';
import { createApiHandler } from './http/api.ts';
import { sendError } from './http/json.ts';
import { createServerMetrics, hostForUrl, startMetricsListener, type MetricsListener } from './metrics.ts';
import { createMemoryPresenceStore, type PresenceStore } from './presence/presence-store.ts';
import { createMemoryTypingGate } from './presence/typing-gate.ts';
import { createKeyedSerial } from './serial.ts';
import type { BazaarSocket } from './sockets/define-handler.ts';
import { createConnectionHandler } from './sockets/connection.ts';
import { createMemoryStore } from './store/memory-store.ts';
import { findDefect, type DefectOverrides } from './defects/index.ts';
import type { Store } from './store/store.ts';

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
  store?: Store;
  presence?: PresenceStore;
}

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
    server.listen(port, host, () => resolve());
  });
}

function wrapStore(overrides: DefectOverrides, store: Store): Store {
  return overrides.wrapStore ? overrides.wrapStore(store) : store;
}

export function generateSecret(): string {
  return randomBytes(24).toString('base64url');
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
  const overrides: DefectOverrides = defect?.overrides() ?? {};
  if (defect) log.warn({ defect: defect.name }, `DEFECT ON: ${defect.description}`);
  const metrics = createServerMetrics();

  const httpServer = createServer();
  const io = new Server(httpServer, {
    maxHttpBufferSize: LIMITS.maxHttpBufferSizeBytes,
    serveClient: false,
  });

  const fanout: Fanout = {
    emit(room, event, payload, exceptSocketId) {
      const target = exceptSocketId ? io.to(room).except(exceptSocketId) : io.to(room);
      target.emit(event, payload);
      metrics.countOut(event);
    },
  };

  const ctx: ServerContext = {
    store: wrapStore(overrides, options.store ?? createMemoryStore()),
    presence: options.presence ?? createMemoryPresenceStore(),
    typing: overrides.typingGate?.() ?? createMemoryTypingGate(LIMITS.typingStartMinIntervalMs),
    fanout,
    serial: createKeyedSerial(),
    presenceSettings: { ttlMs, heartbeatMs, sweepMs },
    log,
    nowMs: () => Date.now(),
  };

  // Handshake: the token comes from `auth` only; a query-string token is never read.
  io.use((socket, next) => {
    const auth = socket.handshake.auth as Record<string, unknown> | undefined;
    const result = overrides.authenticateHandshake
      ? overrides.authenticateHandshake(auth, socket.handshake.query, jwtSecret, ctx.nowMs())
      : authenticate(auth?.token, jwtSecret, ctx.nowMs());
    if (!result.ok) {
      log.debug({ reason: result.reason, address: socket.handshake.address }, 'handshake rejected');
      next(new Error(UNAUTHORIZED_MESSAGE));
      return;
    }
    socket.data = { user: result.user, expiresAtMs: result.expiresAtMs };
    ctx.store.recordUser(result.user.userId, result.user.role).then(
      () => next(),
      (error: unknown) => {
        log.error({ err: error }, 'recording the user failed');
        next(new Error('internal'));
      },
    );
  });
  const onConnection = createConnectionHandler({ ctx, metrics }, overrides);
  io.on('connection', (socket) => onConnection(socket as unknown as BazaarSocket));
  io.engine.on('connection_error', (error: { code: number; message: string }) => {
    log.debug({ code: error.code, message: error.message }, 'engine connection error');
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
      throw error;
    }
  }

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
  log.info({ url, metricsUrl: metricsListener?.url }, 'reference server listening');

  return {
    url,
    metricsUrl: metricsListener?.url,
    jwtSecret,
    port,
    close() {
      closing ??= (async () => {
        clearInterval(sweeper);
        // io.close() tells every socket ("server shutting down") and closes the HTTP server.
        await io.close();
        httpServer.closeAllConnections();
        await metricsListener?.close();
        log.info('reference server closed');
      })();
      return closing;
    },
  };
}
