/* What a VirtualUser needs of its connection: the part of socket.io-client's Socket it uses.
 * Two implementations: socket.io-client's own Socket (the default, as browsers connect) and
 * the lean client (lean-socket.ts: Engine.IO / Socket.IO framed by hand over `ws`, for runs
 * whose point is sheer numbers). Both keep socket.io-client's semantics: events `connect`,
 * `connect_error` (an Error whose message is the server's), `disconnect` (with socket.io-client's
 * reasons), emits buffered while disconnected, `timeout(ms).emit(…, cb)` calling back `(error)`
 * or `(null, ...answer)`, handlers kept across reconnections. */
import { BazaarError } from '../errors.ts';

export type SocketListener = (...args: any[]) => void;

export interface ClientSocket {
  readonly connected: boolean;
  /** The Socket.IO session id while connected. */
  readonly id: string | undefined;
  /** The last connection restored the session (connection state recovery). */
  readonly recovered: boolean;
  connect(): unknown;
  disconnect(): unknown;
  on(event: string, listener: SocketListener): unknown;
  once(event: string, listener: SocketListener): unknown;
  off(event: string, listener?: SocketListener): unknown;
  onAny(listener: (event: string, ...args: any[]) => void): unknown;
  emit(event: string, ...args: any[]): unknown;
  /** The next emit's ack callback gets `(error)` after `ms`, else `(null, ...answer)`. */
  timeout(ms: number): { emit(event: string, ...args: any[]): unknown };
}

/** Which connection a VirtualUser holds: socket.io-client (default) or the lean client. */
export type ClientKind = 'socket.io-client' | 'lean';
export const CLIENT_KINDS: readonly ClientKind[] = ['socket.io-client', 'lean'];

/** A client name from a person (CLI, scenario options); throws a BazaarError for anything else. */
export function parseClientKind(value: string): ClientKind {
  if ((CLIENT_KINDS as readonly string[]).includes(value)) return value as ClientKind;
  throw new BazaarError('BAZAAR_BAD_OPTIONS', `unknown client ${JSON.stringify(value)}`,
    'use socket.io-client (the default: one real socket.io-client per user) or lean (WebSocket only, JSON payloads, for scale runs)');
}

/** The lean client speaks WebSocket only: say so before any load, not per user. */
export function checkClientTransport(client: ClientKind, transport: string): void {
  if (client !== 'lean' || transport === 'websocket') return;
  throw new BazaarError('BAZAAR_BAD_OPTIONS', `the lean client speaks WebSocket only, and the transport asked for is ${transport}`,
    'leave out --transport (WebSocket is the default), or use --client socket.io-client for HTTP long-polling');
}
