/*
 * One node of a reference cluster: a cluster worker forked by cluster-primary.ts. It reads its
 * settings from BAZAAR_NODE (JSON) and JWT_SECRET, serves on its own loopback port (its node
 * URL), and with --lb sticky also takes the connections the primary hands it.
 */
import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { setupWorker } from '@socket.io/sticky';
import { pino } from 'pino';
import type { Server } from 'socket.io';
import { startReferenceServer, type ReferenceServer } from '../../reference-server/index.ts';
import type { NodeSettings, NodeMessage, PrimaryMessage } from './cluster-protocol.ts';

if (!cluster.isWorker || typeof process.send !== 'function') {
  process.stderr.write('cluster-node.ts runs as a worker of `bazaar serve --nodes N`; start that instead\n');
  process.exit(2);
}

const settings = JSON.parse(process.env.BAZAAR_NODE ?? '{}') as NodeSettings;

// With --lb sticky the primary may hand this node a connection as soon as it is forked (a
// replacement in a rolling restart), before setupWorker listens: hold those messages, with
// their socket handles, and replay them in order once it does, rather than drop them.
const early: [unknown, unknown][] = [];
const holdEarly = (message: unknown, handle: unknown) => {
  const type = (message as { type?: unknown } | null)?.type;
  if (typeof type === 'string' && type.startsWith('sticky:')) early.push([message, handle]);
};
if (settings.lb === 'sticky') process.on('message', holdEarly);
const replayEarly = () => {
  process.off('message', holdEarly);
  for (const [message, handle] of early.splice(0)) (process.emit as (event: string, ...args: unknown[]) => boolean)('message', message, handle);
};
const log = pino({ level: settings.logLevel, base: { node: settings.index } }, pino.destination(2));
const send = (message: NodeMessage) => process.send?.(message);

/**
 * Sticky routing has a race of its own: the node tells the primary "session X is mine" over IPC
 * while its handshake answer goes straight to the client, whose next request (a new connection
 * with sid=X) could reach the primary first and be sent to another node: 'Session ID unknown'
 * for about 1 in 150 polling connects here. So the node picks the session id itself, has the
 * primary bind it, and answers the handshake only once the primary confirms (or after 1 s).
 */
function attachSticky(io: Server): void {
  const waiting = new Map<string, (id: string) => void>();
  process.on('message', (message: PrimaryMessage) => {
    if (message?.type !== 'bazaar:bound') return;
    waiting.get(message.sid)?.(message.sid);
    waiting.delete(message.sid);
  });
  io.engine.generateId = () =>
    new Promise<string>((resolve) => {
      // 20 characters of [A-Za-z0-9_-], the shape @socket.io/sticky's primary looks for.
      const id = randomBytes(15).toString('base64url');
      waiting.set(id, resolve);
      process.send?.({ type: 'sticky:connection', data: id });
      setTimeout(() => {
        if (waiting.delete(id)) resolve(id);
      }, 1_000).unref();
    });
  setupWorker(io);
}

let server: ReferenceServer | undefined;
let stopping: Promise<void> | undefined;
let draining = false;

// While draining, a connection the primary still hands over (it routes to this node until it
// exits) is closed at once, so the client retries another node after its backoff instead of
// hanging on a server that is shutting down until its connect timeout.
process.prependListener('message', (message: unknown, handle: unknown) => {
  if (!draining || (message as { type?: unknown } | null)?.type !== 'sticky:connection') return;
  (handle as { destroy?: () => void } | undefined)?.destroy?.();
});

/** Drain: io.close() tells every socket "server shutting down", so clients reconnect elsewhere. */
function stop(why: string): Promise<void> {
  draining = true;
  stopping ??= (async () => {
    log.info({ why }, 'node stopping');
    const timer = setTimeout(() => process.exit(1), 5_000);
    try {
      await server?.close();
    } finally {
      clearTimeout(timer);
      process.exit(0);
    }
  })();
  return stopping;
}

process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => {}); // the primary decides; a terminal's Ctrl-C reaches every process
// The primary is gone (crashed or killed): a node never outlives its cluster.
process.on('disconnect', () => void stop('primary gone'));
process.on('message', (message: PrimaryMessage) => {
  if (message?.type === 'bazaar:stop') void stop('asked by the primary');
  // A fault (docs/faults.md): the loop does nothing else for that long, as under a CPU-bound handler.
  if (message?.type === 'bazaar:block-loop') {
    setImmediate(() => {
      const until = Date.now() + message.ms;
      while (Date.now() < until) {
        // busy on purpose
      }
    });
  }
});

try {
  server = await startReferenceServer({
    jwtSecret: process.env.JWT_SECRET,
    host: settings.host,
    port: 0,
    metricsPort: 0,
    logger: log,
    presenceTtlMs: settings.presenceTtlMs,
    presenceHeartbeatMs: settings.presenceHeartbeatMs,
    presenceSweepMs: settings.presenceSweepMs,
    ...(settings.presenceStore ? { presenceStore: settings.presenceStore } : {}),
    redis: { url: settings.redisUrl, prefix: settings.prefix, ...(settings.streamMaxLen ? { streamMaxLen: settings.streamMaxLen } : {}) },
    adapter: settings.adapter,
    ...(settings.recovery ? { recovery: true } : {}),
    ...(settings.fanout ? { fanout: settings.fanout } : {}),
    ...(settings.pingIntervalMs ? { pingIntervalMs: settings.pingIntervalMs } : {}),
    ...(settings.pingTimeoutMs ? { pingTimeoutMs: settings.pingTimeoutMs } : {}),
    ...(settings.minimalAcks ? { minimalAcks: true } : {}),
    ...(settings.slowConsumerMaxBufferedBytes ? { slowConsumerMaxBufferedBytes: settings.slowConsumerMaxBufferedBytes } : {}),
    // Sticky: the primary owns the entry port and passes each session's connections here.
    ...(settings.lb === 'sticky' ? { attach: attachSticky } : {}),
  });
  if (settings.lb === 'sticky') replayEarly();
  send({ type: 'bazaar:node-ready', index: settings.index, url: server.url, metricsUrl: server.metricsUrl ?? '', pid: process.pid });
} catch (error) {
  send({ type: 'bazaar:node-failed', index: settings.index, message: (error as Error).message });
  process.exit(1);
}
