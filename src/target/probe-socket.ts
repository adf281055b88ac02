import { io } from 'socket.io-client';

export interface SocketProbeOptions {
  auth?: Record<string, unknown>;
  query?: Record<string, string>;
  /** Handshake headers (a session cookie, a token header). */
  extraHeaders?: Record<string, string>;
  /** How long to wait for the connect. */
  connectTimeoutMs?: number;
  /** After connecting, how long to listen for what the server sends unasked (a `session` event). */
  listenMs: number;
  /** Stop listening early once this returns true for an event received. */
  until?(event: string, args: unknown[]): boolean;
}

export type SocketProbeAnswer =
  | { connected: true; events: { event: string; args: unknown[]; afterMs: number }[] }
  | { connected: false; error: string; data?: unknown };

/**
 * Connect once, record the events the server sends unasked for a moment, and disconnect: the
 * I/O edge of the socket probes. Never rejects: a refusal is an answer.
 */
export function probeSocket(url: string, options: SocketProbeOptions): Promise<SocketProbeAnswer> {
  const socket = io(url, {
    // forceNew: a probe is its own connection, never multiplexed with another
    forceNew: true,
    reconnection: false,
    transports: ['websocket'],
    auth: options.auth ?? {},
    query: options.query ?? {},
    timeout: options.connectTimeoutMs ?? 5_000,
    ...(options.extraHeaders && Object.keys(options.extraHeaders).length ? { extraHeaders: options.extraHeaders } : {}),
  });
  const events: { event: string; args: unknown[]; afterMs: number }[] = [];
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    let connectedAt = 0;
    const finish = (answer: SocketProbeAnswer) => {
      clearTimeout(timer);
      socket.offAny();
      socket.disconnect();
      resolve(answer);
    };
    socket.onAny((event: string, ...args: unknown[]) => {
      events.push({ event, args, afterMs: Date.now() - connectedAt });
      if (options.until?.(event, args)) finish({ connected: true, events });
    });
    socket.once('connect', () => {
      connectedAt = Date.now();
      timer = setTimeout(() => finish({ connected: true, events }), options.listenMs);
    });
    socket.once('connect_error', (error: Error & { data?: unknown }) =>
      finish({ connected: false, error: error.message, ...(error.data !== undefined ? { data: error.data } : {}) }));
  });
}
