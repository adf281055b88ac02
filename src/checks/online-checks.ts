import type { EventObserver, ObservedReceiver } from '../client/event-observer.ts';
import type { Fanout } from '../client/delivery-ledger.ts';
import { createOrderChecker } from './checkers/order-checker.ts';
import { createVersionChecker } from './checkers/version-checker.ts';
import type { ViolationKind, ViolationLog, ViolationRecord } from './violations.ts';

export interface OnlineChecksOptions {
  log: ViolationLog;
  /** The clock, in µs (nowUs at the edge; a counter in tests). */
  nowUs(): number;
  /** How long a delivery may take before it is lost, for the evidence. */
  deliveryTimeoutMs: number;
  /**
   * Seqs remembered per receiver and booking to tell a repeat from a descent. Default 8: about
   * 0.7 KB per receiver-and-booking stream (64 would be about 3 KB); a repeat of an older seq is
   * still caught, as a descent.
   */
  rememberSeqs?: number;
  /** The kinds to check; default all. A target whose profile does not claim a kind's guarantee leaves it out. */
  kinds?: ReadonlySet<ViolationKind>;
}

export interface OnlineChecks extends EventObserver {
  /** The delivery tracker's loss (src/client/delivery-tracker.ts): one owed delivery that never came. */
  lost(fanout: Fanout, receiver: object, sentAtUs: number, cause: string): void;
  /** Receiver-and-room streams held (tests prove it follows what is active, not what happened). */
  size(): number;
}

const BOOKING = 'booking:';
const LISTING = 'listing:';

/**
 * `bazaar run`'s online checks, over every event every simulated user receives, with the state
 * machines `bazaar check` uses (src/checks/checkers/):
 * - order: per receiver and booking, `message:new` seqs strictly increasing, never twice;
 * - versions: per receiver, a listing's events and a booking's status events strictly increasing;
 * - loss: a delivery owed to a receiver in the room from before the send until after it (the
 *   delivery tracker's rule) that did not come within the delivery timeout.
 * State is per receiver and room: dropped when the receiver leaves the room or leaves for good.
 * A receiver whose connection dropped and came back keeps its state (it is the same user, and
 * a repeat or a descent after a reconnect is still one); what it missed while away is a gap,
 * which is neither owed (the tracker forgets it at the drop) nor a reorder.
 */
export function createOnlineChecks(options: OnlineChecksOptions): OnlineChecks {
  const { log, nowUs } = options;
  const checking = (kind: ViolationKind) => options.kinds === undefined || options.kinds.has(kind);
  const checkOrder = checking('order');
  const checkVersions = checking('versions');
  const checkLoss = checking('loss');
  const keys = new WeakMap<ObservedReceiver, string>();
  let next = 0;
  /** A receiver's key: users may hold several connections (one per VU), each checked on its own. */
  const keyOf = (receiver: ObservedReceiver) => {
    let key = keys.get(receiver);
    if (key === undefined) keys.set(receiver, (key = `${receiver.userId}~${++next}`));
    return key;
  };
  /** The receiver and event being observed: violations are reported synchronously from observe(). */
  let current: { receiver: ObservedReceiver; detail: string } | undefined;
  const record = (kind: ViolationRecord['kind'], room: string, expected: string, observed: string) => {
    if (!current) return;
    const { receiver, detail } = current;
    log.record({ kind, user: receiver.userId, connection: receiver.connectionId, room, expected, observed: `${observed}${detail}` }, nowUs());
  };
  const order = createOrderChecker({
    rememberSeqs: options.rememberSeqs ?? 8,
    onViolation: (v) => record('order', `${BOOKING}${v.booking}`, v.expected, v.observed),
  });
  const versions = createVersionChecker({
    onViolation: (v) => record('versions', v.entity.replace(' ', ':'), v.expected, v.observed),
  });

  const observeVersion = (receiver: ObservedReceiver, event: string, kind: 'listing' | 'booking', id: unknown, version: unknown) => {
    if (!checkVersions || typeof id !== 'string') return;
    current = { receiver, detail: '' };
    versions.observe({ socket: keyOf(receiver), entity: `${kind} ${id}`, event, version: version as number });
    current = undefined;
  };

  return {
    received(receiver, event, payload) {
      const p = payload as Record<string, unknown> | undefined;
      if (!p || typeof p !== 'object') return;
      switch (event) {
        case 'message:new':
          if (!checkOrder || typeof p.bookingId !== 'string') return;
          current = { receiver, detail: typeof p.clientMsgId === 'string' ? ` (clientMsgId ${p.clientMsgId})` : '' };
          order.observe({ socket: keyOf(receiver), booking: p.bookingId, seq: p.seq as number });
          current = undefined;
          return;
        case 'listing:priceChanged':
        case 'listing:availabilityChanged':
          observeVersion(receiver, event, 'listing', p.listingId, p.version);
          return;
        case 'booking:statusChanged':
          observeVersion(receiver, event, 'booking', p.bookingId, p.version);
          return;
      }
    },
    left(receiver, room) {
      const key = keys.get(receiver);
      if (key === undefined) return;
      if (room.startsWith(BOOKING)) {
        const id = room.slice(BOOKING.length);
        order.forget(key, id);
        versions.forget(key, `booking ${id}`);
      } else if (room.startsWith(LISTING)) {
        versions.forget(key, `listing ${room.slice(LISTING.length)}`);
      }
    },
    closed(receiver) {
      const key = keys.get(receiver);
      if (key === undefined) return;
      order.forget(key);
      versions.forget(key);
      keys.delete(receiver);
    },
    lost(fanout, receiver, sentAtUs, cause) {
      if (!checkLoss) return;
      const r = receiver as ObservedReceiver;
      const message = cause.startsWith('m|');
      const what = message ? `clientMsgId ${cause.slice(2)}, acked` : `change ${cause}, answered`;
      current = { receiver: r, detail: '' };
      record('loss', fanout.room, `${fanout.event} (${what}; sent ${Math.round((nowUs() - sentAtUs) / 1000)} ms before this check)`,
        `not received within ${options.deliveryTimeoutMs} ms, in the room throughout`);
      current = undefined;
    },
    size: () => order.size() + versions.size(),
  };
}
