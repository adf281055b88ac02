import type { EventObserver, ObservedReceiver } from '../client/event-observer.ts';
import type { Fanout } from '../client/delivery-ledger.ts';
import { createOrderChecker } from './checkers/order-checker.ts';
import { createVersionChecker } from './checkers/version-checker.ts';
import { createTypingLimitChecker } from './checkers/typing-limit.ts';
import { createOnlinePresence, type PresenceMembership, type PresenceTiming } from './online/presence.ts';
import { createRoomActivity } from './online/room-activity.ts';
import { createReadMarks } from './online/read-marks.ts';
import { createSeqGaps } from './online/seq-gaps.ts';
import type { ViolationLog, ViolationRecord } from './violations.ts';
import { LIMITS } from '../contract/index.ts';

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
  /**
   * Who is in which room since when (the run's room census): says which watchers were owed a
   * presence offline, and whether a user has another connection in a room. Read when needed.
   */
  membership?: () => PresenceMembership | undefined;
  /** A booking or listing room with no event for this long has its checker state dropped. Default max(1 s, 10 × the delivery timeout). */
  quietMs?: number;
  /**
   * Receipts of typing:start are timed at the receiver: a busy generator may take two relays one
   * interval apart this much closer. Default 1000 (a storm that gets through is far closer).
   */
  typingSlackMs?: number;
}

export interface OnlineChecks extends EventObserver {
  /**
   * The delivery tracker's loss (src/client/delivery-tracker.ts): one owed delivery that never
   * came. A `read:updated` is a `reads` violation, anything else a `loss`; `seq` (a message's)
   * keeps the gap it leaves from being counted again.
   */
  lost(fanout: Fanout, receiver: object, sentAtUs: number, cause: string, seq?: number): void;
  /** A user's connection sent a heartbeat (presence). */
  touched(receiver: ObservedReceiver): void;
  /** A user's connection dropped; it may come back (its next `session` says so). */
  dropped(receiver: ObservedReceiver): void;
  /** A message:send acked (who sent what: only the other party may mark it read). */
  sent(receiver: ObservedReceiver, message: { id: string; senderId: string }, bookingId: string): void;
  /** A read:mark acked (its readAt is what history must show). */
  marked(receiver: ObservedReceiver, bookingId: string, messageId: string, readAt: number): void;
  /** A booking's history as a user fetched it. */
  history(receiver: ObservedReceiver, bookingId: string, requestedAtUs: number, messages: readonly unknown[]): void;
  /** Judge what is due (seq gaps, presence offlines owed), drop quiet rooms: the caller's timer runs it. */
  tick(): void;
  /** Receiver-and-room streams held (tests prove it follows what is active, not what happened). */
  size(): number;
  /** What is held, in detail: streams, seq-gap streams, users followed for presence, rooms with recent events. */
  sizes(): { streams: number; gapStreams: number; presenceUsers: number; rooms: number; readMarks: number };
}

const BOOKING = 'booking:';
const LISTING = 'listing:';
const PRESENCE = 'presence:';
/** The sweep assumed when a server's `session` does not announce one (as `bazaar check` assumes). */
const CONTRACT_SWEEP_MS = 5_000;

/**
 * `bazaar run`'s online checks, over every event every simulated user receives, with the state
 * machines `bazaar check` uses (src/checks/checkers/):
 * - order: per receiver and booking, `message:new` seqs strictly increasing, never twice;
 * - versions: per receiver, a listing's events and a booking's status events strictly increasing;
 * - loss: a delivery owed to a receiver in the room from before the send until after it (the
 *   delivery tracker's rule) that did not come within the delivery timeout; a gap in a receiver's
 *   seqs that does not fill (src/checks/online/seq-gaps.ts);
 * - presence: flicker, offline or online announced twice, ghosts (src/checks/online/presence.ts);
 * - typing: more than one typing:start per sender per booking per 3 s reaching a receiver, or a
 *   sender's own typing relayed back to it;
 * - reads: an acked read:mark whose read:updated did not reach the sender's connections (the
 *   delivery tracker's rule, on the sender's user room), or that a history page requested after
 *   its ack does not show with the acked readAt, or a mark acked to the message's own sender.
 * State is per receiver and room: dropped when the receiver leaves the room or leaves for good,
 * and when a booking or listing room goes quiet.
 * A receiver whose connection dropped and came back keeps its state (it is the same user, and
 * a repeat or a descent after a reconnect is still one); what it missed while away is a gap,
 * which is neither owed (the tracker forgets it at the drop) nor a reorder.
 */
export function createOnlineChecks(options: OnlineChecksOptions): OnlineChecks {
  const { log, nowUs } = options;
  const keys = new WeakMap<ObservedReceiver, string>();
  /** Receivers by key, for the state a quiet room drops (keys are per live receiver). */
  const receivers = new Map<string, ObservedReceiver>();
  let next = 0;
  /** A receiver's key: users may hold several connections (one per VU), each checked on its own. */
  const keyOf = (receiver: ObservedReceiver) => {
    let key = keys.get(receiver);
    if (key === undefined) {
      keys.set(receiver, (key = `${receiver.userId}~${++next}`));
      receivers.set(key, receiver);
    }
    return key;
  };
  /**
   * The receiver (and message) being observed: violations are reported synchronously from
   * observe(). Two variables, not an object per event: this is every event's path.
   */
  let currentReceiver: ObservedReceiver | undefined;
  let currentMsgId: unknown;
  const record = (kind: ViolationRecord['kind'], room: string, expected: string, observed: string) => {
    const receiver = currentReceiver;
    if (!receiver) return;
    const detail = typeof currentMsgId === 'string' ? ` (clientMsgId ${currentMsgId})` : '';
    log.record({ kind, user: receiver.userId, connection: receiver.connectionId, room, expected, observed: `${observed}${detail}` }, nowUs());
  };
  const recordFor = (receiver: ObservedReceiver, kind: ViolationRecord['kind'], room: string, expected: string, observed: string) =>
    log.record({ kind, user: receiver.userId, connection: receiver.connectionId, room, expected, observed }, nowUs());
  const order = createOrderChecker({
    rememberSeqs: options.rememberSeqs ?? 8,
    onViolation: (v) => record('order', `${BOOKING}${v.booking}`, v.expected, v.observed),
  });
  const versions = createVersionChecker({
    onViolation: (v) => record('versions', v.entity.replace(' ', ':'), v.expected, v.observed),
  });
  const typing = createTypingLimitChecker({
    intervalMs: LIMITS.typingStartMinIntervalMs,
    slackMs: options.typingSlackMs ?? 1_000,
    onViolation: (v) => record('typing', `${BOOKING}${v.bookingId}`, v.expected, v.observed),
  });
  const deliveryTimeoutUs = options.deliveryTimeoutMs * 1000;
  // Judged half a timeout after the tracker would: a send it follows is counted lost once, by it.
  const gaps = createSeqGaps<ObservedReceiver>({
    deadlineUs: deliveryTimeoutUs * 1.5,
    onLost: (gap) =>
      recordFor(gap.receiver, 'loss', `${BOOKING}${gap.booking}`, `seq ${gap.seq} (it got ${gap.before} and ${gap.after}, in the room throughout)`,
        `seq ${gap.seq} not received within ${Math.round((nowUs() - gap.openedAtUs) / 1000)} ms of seq ${gap.after}`),
  });
  const presence = createOnlinePresence({
    // Generous: a ghost is a user shown online for good, not a sweep a busy server ran late.
    marginMs: Math.max(2_000, options.deliveryTimeoutMs),
    onViolation: (v) => recordFor(v.watcher as ObservedReceiver, 'presence', `${PRESENCE}${v.userId}`, v.expected, v.observed),
  });
  const readMarks = createReadMarks({
    onViolation: (v) => recordFor(v.receiver as ObservedReceiver, 'reads', `${BOOKING}${v.bookingId}`, v.expected, v.observed),
  });
  const activity = createRoomActivity();
  let lastForgetUs = -Infinity;
  const quietUs = (options.quietMs ?? Math.max(1_000, 10 * options.deliveryTimeoutMs)) * 1000;

  const observeVersion = (receiver: ObservedReceiver, event: string, kind: 'listing' | 'booking', id: unknown, version: unknown) => {
    if (typeof id !== 'string') return;
    const key = keyOf(receiver);
    activity.touch(`${kind}:${id}`, key, nowUs());
    currentReceiver = receiver;
    versions.observe({ socket: key, entity: `${kind} ${id}`, event, version: version as number });
    currentReceiver = undefined;
  };

  const forgetRoom = (key: string, room: string) => {
    if (room.startsWith(BOOKING)) {
      const id = room.slice(BOOKING.length);
      order.forget(key, id);
      versions.forget(key, `booking ${id}`);
      typing.forget(key, id);
      const receiver = receivers.get(key);
      if (receiver) gaps.forget(receiver, id);
    } else if (room.startsWith(LISTING)) {
      versions.forget(key, `listing ${room.slice(LISTING.length)}`);
    }
  };

  /** Whether any receiver of the run is in `room` now (no census: assumed so, nothing is dropped). */
  const inRoom = (room: string): boolean => {
    const members = options.membership?.()?.members(room);
    if (!members) return true;
    for (const _ of members) return true;
    return false;
  };

  /** A sender's own typing relayed back: unless another connection of the same user is in the room, it came to the sending socket. */
  const ownTyping = (receiver: ObservedReceiver, event: string, bookingId: string) => {
    const room = `${BOOKING}${bookingId}`;
    const members = options.membership?.()?.members(room);
    if (!members) return;
    for (const [other] of members) if (other !== receiver && (other as ObservedReceiver).userId === receiver.userId) return;
    recordFor(receiver, 'typing', room, `${event} relayed to the room except the sending socket`, `its own ${event} relayed back to it`);
  };

  return {
    received(receiver, event, payload) {
      const p = payload as Record<string, unknown> | undefined;
      if (!p || typeof p !== 'object') return;
      switch (event) {
        case 'message:new': {
          if (typeof p.bookingId !== 'string') return;
          const key = keyOf(receiver);
          const atUs = nowUs();
          activity.touch(`${BOOKING}${p.bookingId}`, key, atUs);
          currentReceiver = receiver;
          currentMsgId = p.clientMsgId;
          order.observe({ socket: key, booking: p.bookingId, seq: p.seq as number });
          currentReceiver = undefined;
          currentMsgId = undefined;
          gaps.observe(receiver, p.bookingId, p.seq as number, atUs);
          return;
        }
        case 'listing:priceChanged':
        case 'listing:availabilityChanged':
          observeVersion(receiver, event, 'listing', p.listingId, p.version);
          return;
        case 'booking:statusChanged':
          observeVersion(receiver, event, 'booking', p.bookingId, p.version);
          return;
        case 'typing:start':
        case 'typing:stop': {
          if (typeof p.bookingId !== 'string' || typeof p.userId !== 'string') return;
          if (p.userId === receiver.userId) {
            ownTyping(receiver, event, p.bookingId);
            return;
          }
          if (event === 'typing:stop') return;
          const key = keyOf(receiver);
          currentReceiver = receiver;
          typing.observe({ socket: key, bookingId: p.bookingId, senderId: p.userId, atMs: nowUs() / 1000 });
          currentReceiver = undefined;
          return;
        }
        case 'presence:changed':
          if (typeof p.userId !== 'string' || typeof p.online !== 'boolean') return;
          presence.changed(receiver, p.userId, p.online, nowUs());
          return;
        case 'session': {
          const announced = p.presence as Partial<PresenceTiming> | undefined;
          const timing = typeof announced?.ttlMs === 'number' && typeof announced.heartbeatMs === 'number'
            ? { ttlMs: announced.ttlMs, heartbeatMs: announced.heartbeatMs, sweepMs: typeof announced.sweepMs === 'number' ? announced.sweepMs : CONTRACT_SWEEP_MS }
            : undefined;
          presence.session(receiver, receiver.userId, timing, nowUs());
          // Back after a drop (or new): the seqs it missed while away were never owed to it.
          gaps.forget(receiver);
          return;
        }
      }
    },
    left(receiver, room) {
      if (room.startsWith(PRESENCE)) {
        presence.unwatched(receiver, room.slice(PRESENCE.length));
        return;
      }
      const key = keys.get(receiver);
      if (key === undefined) return;
      forgetRoom(key, room);
      activity.left(key, room);
    },
    closed(receiver) {
      presence.closed(receiver, receiver.userId, nowUs());
      gaps.forget(receiver);
      const key = keys.get(receiver);
      if (key === undefined) return;
      order.forget(key);
      versions.forget(key);
      typing.forget(key);
      activity.left(key);
      receivers.delete(key);
      keys.delete(receiver);
    },
    sent(receiver, message) {
      // Its sender is the user whose send was acked (what the harness knows, not what the server says).
      if (typeof message.id === 'string') readMarks.sent(message.id, receiver.userId);
    },
    marked(receiver, bookingId, messageId, readAt) {
      readMarks.markedBy(receiver, receiver.userId, bookingId, messageId);
      readMarks.marked(bookingId, messageId, readAt, nowUs());
    },
    history(receiver, bookingId, requestedAtUs, messages) {
      readMarks.history(receiver, bookingId, requestedAtUs, messages);
    },
    touched(receiver) {
      presence.touched(receiver, receiver.userId, nowUs());
    },
    dropped(receiver) {
      presence.dropped(receiver, receiver.userId, nowUs());
    },
    lost(fanout, receiver, sentAtUs, cause, seq) {
      const r = receiver as ObservedReceiver;
      const sentMsAgo = Math.round((nowUs() - sentAtUs) / 1000);
      if (fanout.event === 'read:updated') {
        recordFor(r, 'reads', fanout.room, `read:updated for message ${cause.slice(2)} (read:mark acked; sent ${sentMsAgo} ms before this check)`,
          `not received within ${options.deliveryTimeoutMs} ms, connected throughout`);
        return;
      }
      const message = cause.startsWith('m|');
      const what = message ? `clientMsgId ${cause.slice(2)}${seq === undefined ? '' : `, seq ${seq}`}, acked` : `change ${cause}, answered`;
      recordFor(r, 'loss', fanout.room, `${fanout.event} (${what}; sent ${sentMsAgo} ms before this check)`,
        `not received within ${options.deliveryTimeoutMs} ms, in the room throughout`);
      if (message && seq !== undefined && fanout.room.startsWith(BOOKING)) gaps.lostElsewhere(r, fanout.room.slice(BOOKING.length), seq);
    },
    tick() {
      const now = nowUs();
      gaps.due(now);
      const membership = options.membership?.();
      if (membership) presence.due(now, membership);
      // Walking every room and typing stream is the costly part: a few times per quiet period is enough.
      if (now - lastForgetUs < Math.min(quietUs / 4, 500_000)) return;
      lastForgetUs = now;
      typing.forgetQuiet(now / 1000);
      for (const [room, roomKeys] of activity.quiet(now - quietUs)) for (const key of roomKeys) forgetRoom(key, room);
      // A booking's read state goes once nobody of the run is in its room and it had no read activity for the quiet period.
      readMarks.forgetIdle(now - quietUs, (id) => inRoom(`${BOOKING}${id}`));
    },
    // Gap streams follow the order streams one for one (forgotten with them), so are not counted twice.
    size: () => order.size() + versions.size() + typing.size() + presence.streams(),
    sizes: () => ({ streams: order.size() + versions.size() + typing.size() + presence.streams(), gapStreams: gaps.size(), presenceUsers: presence.users(), rooms: activity.size(), readMarks: readMarks.size() }),
  };
}
