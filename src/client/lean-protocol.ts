/* The lean client's wire format and timing rules, as pure functions: Engine.IO v4 over one
 * WebSocket, Socket.IO v5 packets of the default namespace inside it, JSON payloads only.
 * https://socket.io/docs/v4/engine-io-protocol/ and https://socket.io/docs/v4/socket-io-protocol/
 *
 *   server `0{"sid","pingInterval","pingTimeout",…}` Engine.IO OPEN   client `40{auth}`  CONNECT "/"
 *   server `40{"sid","pid"?}` CONNECT ok, `44{"message","data"?}` CONNECT_ERROR, `41` DISCONNECT
 *   either side `42<id>?[event,…]` EVENT, `43<id>[…]` ACK; server `2` ping → client `3` pong
 *
 * Decoding of EVENT and ACK packets is socket.io-parser's, shared with the default client's
 * short path (wire-parser.ts `decodeShort`). */
import { BazaarError } from '../errors.ts';
import { containsBinary } from './wire-parser.ts';

/** `http://host:port` → `ws://host:port/socket.io/?EIO=4&transport=websocket`. */
export function engineUrl(baseUrl: string): string {
  const url = new URL('/socket.io/', baseUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.search = '?EIO=4&transport=websocket';
  return url.toString();
}

/** Event names socket.io-client refuses to emit (it raises the same). */
export const RESERVED_EMIT_EVENTS = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']);

/**
 * An EVENT packet in its Engine.IO message frame, as socket.io-parser writes it: `42`, the ack
 * id if any, the JSON array of the event name and arguments. `data` is [event, ...args].
 */
export function encodeEventFrame(data: unknown[], id: number | undefined): string {
  return id === undefined ? '42' + JSON.stringify(data) : '42' + id + JSON.stringify(data);
}

/** An ACK to the server's EVENT `id`. */
export function encodeAckFrame(id: number, data: unknown[]): string {
  return '43' + id + JSON.stringify(data);
}

/** A CONNECT to the default namespace with the handshake's `auth` (none: plain `40`). */
export function encodeConnectFrame(auth: object | undefined): string {
  return auth == null ? '40' : '40' + JSON.stringify(auth);
}

/** The Engine.IO OPEN packet's timing: what the client needs of it. */
export interface EngineOpen {
  sid: string;
  /** pingInterval + pingTimeout: a connection with no ping for this long is dead (engine.io-client's rule). */
  pingWindowMs: number;
}

/** `0{…}` → its sid and ping window; undefined when it is not a valid OPEN packet. */
export function parseEngineOpen(frame: string): EngineOpen | undefined {
  try {
    const open = JSON.parse(frame.slice(1)) as { sid?: unknown; pingInterval?: unknown; pingTimeout?: unknown };
    if (typeof open?.sid !== 'string' || typeof open.pingInterval !== 'number' || typeof open.pingTimeout !== 'number') return undefined;
    return { sid: open.sid, pingWindowMs: open.pingInterval + open.pingTimeout };
  } catch {
    return undefined;
  }
}

/** The JSON object after a CONNECT / CONNECT_ERROR type (`40{…}`, `44{…}`), or undefined. */
export function parseConnectBody(frame: string): Record<string, unknown> | undefined {
  if (frame.length <= 2) return undefined;
  try {
    const body: unknown = JSON.parse(frame.slice(2));
    return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * socket.io-client's reconnection delay (its Manager's Backoff with the defaults: 1 s, doubling,
 * at most 5 s, randomization 0.5), for attempt `attempt` (0 first) and a random number in [0, 1).
 */
export function reconnectDelayMs(attempt: number, random: number, minMs = 1_000, maxMs = 5_000, jitter = 0.5): number {
  let ms = minMs * 2 ** attempt;
  const deviation = Math.floor(random * jitter * ms);
  ms = (Math.floor(random * 10) & 1) === 0 ? ms - deviation : ms + deviation;
  return Math.min(ms, maxMs) | 0;
}

/** The lean client speaks JSON only: binary would be sent as `{"type":"Buffer",…}` or lost, so it is refused. */
export function refuseBinary(event: string, args: unknown[]): void {
  for (let i = 0; i < args.length; i++) {
    if (!containsBinary(args[i])) continue;
    throw new BazaarError('BAZAAR_LEAN_BINARY', `emit(${JSON.stringify(event)}, …): argument ${i + 1} holds binary data, which the lean client does not send`,
      'the lean client speaks JSON payloads only; run without --client lean (socket.io-client sends binary attachments)');
  }
}
