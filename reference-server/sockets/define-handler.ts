import type { Socket } from 'socket.io';
import { ackError, type Ack, type ServerToClientEvents } from '../../src/contract/index.ts';
import type { Principal, ServerContext } from '../context.ts';
import type { ServerMetrics } from '../metrics.ts';
import type { Result } from '../result.ts';

export interface SocketData {
  user: Principal;
  /** Token expiry, epoch ms: the socket is disconnected then. */
  expiresAtMs: number;
  /** Rooms this socket may have joined (docs/contract.md §2), set at connect. */
  maxRooms: number;
}

/** Incoming events are untyped on purpose: every handler validates what it is sent. */
type UntrustedEvents = { [event: string]: (...args: any[]) => void };

export type BazaarSocket = Socket<UntrustedEvents, ServerToClientEvents, UntrustedEvents, SocketData>;

/**
 * The ack kinds of contract §5. `required`: an event sent without an ack is ignored (§2), and
 * always answered. `when-asked`: the client may leave the ack out; when it asks, it is answered
 * (a join: a refusal must reach the client, §4). `optional`: the contract lets a server leave it
 * unanswered; this one answers when asked, unless started with `minimalAcks`. `none`: never.
 */
export type AckMode = 'required' | 'when-asked' | 'optional' | 'none';

export type Handler = (payload: unknown, socket: BazaarSocket) => Promise<Result<object> | void>;

export interface HandlerHost {
  ctx: ServerContext;
  metrics: ServerMetrics;
  /** Leave `optional` acks unanswered: the least the contract allows (`bazaar serve --minimal-acks`). */
  minimalAcks?: boolean;
}

function toAck(result: Result<object> | void): Ack<object> {
  if (!result) return { ok: true };
  return result.ok ? { ok: true, ...result.value } : { ok: false, error: result.error };
}

/**
 * The one way every client event is registered: picks the ack callback off the arguments,
 * enforces the ack mode, times the handler, and turns any throw or rejection into an
 * `internal` ack instead of a crash or an unhandled rejection.
 */
export function defineHandler(host: HandlerHost, socket: BazaarSocket, event: string, mode: AckMode, handler: Handler) {
  socket.on(event, (...args: unknown[]) => {
    const last = args[args.length - 1];
    const ack = typeof last === 'function' ? (last as (response: Ack<object>) => void) : undefined;
    if (ack) args.pop();
    if (mode === 'required' && !ack) return;
    const reply = mode === 'none' || (mode === 'optional' && host.minimalAcks) ? undefined : ack;
    const stopTimer = host.metrics.eventDuration.startTimer({ event });
    let running: Promise<Result<object> | void>;
    try {
      running = handler(args[0], socket);
    } catch (error) {
      running = Promise.reject(error);
    }
    running.then(
      (result) => {
        stopTimer();
        reply?.(toAck(result));
      },
      (error: unknown) => {
        stopTimer();
        host.ctx.log.error({ err: error, event, userId: socket.data.user?.userId }, 'handler failed');
        reply?.(ackError('internal', 'the server failed to handle this event; it has been logged'));
      },
    );
  });
}
