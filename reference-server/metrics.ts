import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { CLIENT_EVENTS, SERVER_EVENTS } from '../src/contract/index.ts';

const KNOWN_EVENTS = new Set<string>([...CLIENT_EVENTS, ...SERVER_EVENTS]);
const KNOWN_DISCONNECT_REASONS = new Set<string>([
  'transport error',
  'transport close',
  'forced close',
  'ping timeout',
  'parse error',
  'server shutting down',
  'forced server close',
  'client namespace disconnect',
  'server namespace disconnect',
  'slow consumer',
]);

const KNOWN_ENGINE_ERRORS = new Set<string>([
  'Transport unknown',
  'Session ID unknown',
  'Bad handshake method',
  'Bad request',
  'Forbidden',
  'Unsupported protocol version',
]);

/** Event names come from clients: only allow-listed names become label values. */
export function eventLabel(event: unknown): string {
  return typeof event === 'string' && KNOWN_EVENTS.has(event) ? event : 'other';
}

export interface ServerMetrics {
  registry: Registry;
  connected: Gauge;
  events: Counter<'event' | 'direction'>;
  eventDuration: Histogram<'event'>;
  disconnects: Counter<'reason'>;
  connectionErrors: Counter<'code' | 'message'>;
  countIn(event: unknown): void;
  countOut(event: string, count?: number): void;
  countDisconnect(reason: string): void;
  /** Engine.IO refused a request (code 1 'Session ID unknown': a polling request reached a node that never saw its handshake). */
  countConnectionError(code: number, message: string): void;
}

export function createServerMetrics(): ServerMetrics {
  // One registry per server, so that several servers in one process do not share counters.
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  const connected = new Gauge({
    name: 'socket_io_connected',
    help: 'Sockets currently connected to this node',
    registers: [registry],
  });
  const events = new Counter({
    name: 'socket_io_events_total',
    help: 'Socket.IO events by name (allow-listed, others "other") and direction (in|out)',
    labelNames: ['event', 'direction'] as const,
    registers: [registry],
  });
  const eventDuration = new Histogram({
    name: 'socket_io_event_duration_seconds',
    help: 'Time from receiving a client event to finishing its handler',
    labelNames: ['event'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
  });
  const disconnects = new Counter({
    name: 'socket_io_disconnects_total',
    help: 'Socket disconnects by reason',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const connectionErrors = new Counter({
    name: 'socket_io_connection_errors_total',
    help: 'Engine.IO requests refused, by error code and message (1: Session ID unknown, 3: Bad request)',
    labelNames: ['code', 'message'] as const,
    registers: [registry],
  });
  return {
    registry,
    connected,
    connectionErrors,
    events,
    eventDuration,
    disconnects,
    countIn: (event) => events.inc({ event: eventLabel(event), direction: 'in' }),
    countOut: (event, count = 1) => events.inc({ event: eventLabel(event), direction: 'out' }, count),
    countDisconnect: (reason) =>
      disconnects.inc({ reason: KNOWN_DISCONNECT_REASONS.has(reason) ? reason : 'other' }),
    // Engine.IO's codes are 0..5, each with one fixed message: bounded labels.
    countConnectionError: (code, message) =>
      connectionErrors.inc({ code: String(code), message: KNOWN_ENGINE_ERRORS.has(message) ? message : 'other' }),
  };
}

export interface MetricsListener {
  url: string;
  close(): Promise<void>;
}

/** Serves GET /metrics on its own listener, loopback by default, apart from the public port. */
export async function startMetricsListener(
  registry: Registry,
  options: { host: string; port: number },
): Promise<MetricsListener> {
  const server: HttpServer = createServer((req, res) => {
    if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') {
      registry.metrics().then(
        (body) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(body);
        },
        (error: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(error));
        },
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found: metrics are at /metrics\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const message =
        error.code === 'EADDRINUSE'
          ? `metrics port ${options.port} on ${options.host} is already in use; choose another metrics port (0 picks a free one)`
          : `cannot start the metrics listener on ${options.host}:${options.port}: ${error.message}`;
      reject(Object.assign(new Error(message, { cause: error }), { code: error.code }));
    });
    // exclusive: in a cluster worker, port 0 would otherwise be one port shared by all workers.
    server.listen({ port: options.port, host: options.host, exclusive: true }, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${hostForUrl(options.host)}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export function hostForUrl(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
