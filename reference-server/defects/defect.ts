import type { Server, Socket } from 'socket.io';
import type { IncomingMessage } from 'node:http';
import type { Authenticated } from '../auth.ts';
import type { Principal, ServerContext } from '../context.ts';
import type { Result } from '../result.ts';
import type { Booking, Listing } from '../../src/contract/index.ts';
import type { TypingGate } from '../presence/typing-gate.ts';
import type { BazaarSocket, HandlerHost } from '../sockets/define-handler.ts';
import type { Store } from '../store/store.ts';

export type Register = (host: HandlerHost, socket: BazaarSocket) => void;
export type Domain = 'listings' | 'bookings' | 'messages' | 'typing' | 'reads' | 'presence';

/** The HTTP operations a defect may replace. */
export interface HttpOperations {
  createBooking(ctx: ServerContext, user: Principal, body: unknown): Promise<Result<Booking>>;
  changePrice(ctx: ServerContext, user: Principal, listingId: string, body: unknown): Promise<Result<Listing>>;
}

/**
 * What a deliberate defect may swap out. Each replacement is ordinary server code written the
 * way a developer plausibly would, with the bug in it; nothing announces itself on the wire.
 * The default server never loads any of this (see DEFECTS.md).
 */
export interface DefectOverrides {
  registrations?: Partial<Record<Domain, Register>>;
  /** Handshake: reads auth and query as it likes (`transport`: the connection's, 'polling' or 'websocket'). */
  authenticateHandshake?(auth: Record<string, unknown> | undefined, query: Record<string, unknown>, secret: string, nowMs: number, transport: string): Authenticated | Promise<Authenticated>;
  /** Skip the disconnect-at-expiry timer. */
  keepSocketsPastExpiry?: boolean;
  wrapStore?(store: Store): Store;
  typingGate?(): TypingGate;
  onDisconnect?(ctx: ServerContext, socket: BazaarSocket, reason: string): void;
  /** No presence sweeper at all. */
  noPresenceSweep?: boolean;
  http?: Partial<HttpOperations>;
  /**
   * Connection state recovery on (in memory), in Socket.IO's own order: a restored session's
   * missed packets are written before the handshake has re-authorized the socket.
   */
  recoveryReplayBeforeAuth?: boolean;
  /**
   * Connection state recovery on (in memory), re-authorized, except that a resumed session's
   * token is judged as of the session's own validity: an expired token resumes it.
   */
  recoveryResumeIgnoresExpiry?: boolean;
  /** Opens more namespaces; `authenticate` is the main namespace's handshake middleware. */
  namespaces?(io: Server, authenticate: (socket: Socket, next: (error?: Error) => void) => void): void;
  /** engine.io's allowRequest hook: looks at every HTTP request and upgrade before Engine.IO does. */
  allowRequest?(req: IncomingMessage, callback: (error: string | null | undefined, success: boolean) => void): void;
  /** Called for every connected socket, after the handlers are registered (listeners on socket.conn, say). */
  watchConnection?(socket: BazaarSocket): void;
  /** Per-socket limits replaced (undefined: as the server's own). */
  limits?: { eventsPerSec?: number; eventBurst?: number; maxRoomsPerSocket?: number };
  /** Socket.IO's maxHttpBufferSize replaced (the largest frame or polling body accepted). */
  maxHttpBufferSizeBytes?: number;
}

export interface Defect {
  name: string;
  /** The check group whose guarantee it breaks, e.g. 'order'. */
  group: string;
  /** One line: the bug, as a code reviewer would describe it. */
  description: string;
  overrides(): DefectOverrides;
}
