import type { Booking } from '../../contract/index.ts';
import type { EventObserver, ObservedReceiver } from '../../client/event-observer.ts';
import type { SeededWorld } from '../../scenario/types.ts';
import type { ViolationLog } from '../violations.ts';
import { AUTHZ_VIOLATION_KINDS } from './authz-kinds.ts';
import type { PresenceMembership } from './presence.ts';
import { createEntitlements, type AuthzFinding, type Entitlements } from './entitlements.ts';

export interface AuthzChecks extends EventObserver {
  /** The world is seeded: from now on its rooms are judged. */
  seeded(world: SeededWorld): void;
  /** An intruder's own finding (a forbidden join or a write answered ok), with the connection it used. */
  report(receiver: ObservedReceiver, finding: AuthzFinding): void;
  /** The entitlements in force (intruders pick their targets from them). */
  readonly entitlements: Entitlements;
  /** Forget the bookings learned during the run that went idle with nobody of the run in their room: the caller's timer runs it. */
  tick(): void;
}

const KIND = { leak: AUTHZ_VIOLATION_KINDS[0], write: AUTHZ_VIOLATION_KINDS[1] } as const;

/**
 * Authorization checked by receipt on every event every simulated user receives: an event of a
 * room its receiver is not entitled to is an `authz-leak`, and a write by a non-party that
 * reaches anyone is an `authz-write` (src/checks/online/entitlements.ts). Holds no state per
 * receiver: what it knows is the world the run seeded and the bookings made (or joined with their
 * record) during the run. A booking learned during the run is held while in use: forgotten once
 * no run user has been in its room and no event of it has come for the quiet period. An event of
 * a forgotten booking is judged as one of a booking the harness does not know (not at all) until
 * a user joins it again with its record, which teaches it again (src/client/virtual-user.ts join).
 */
export function createAuthzChecks(options: {
  log: ViolationLog;
  nowUs(): number;
  /** Who is in which room (the run's census); without it nothing is forgotten. */
  membership?: () => PresenceMembership | undefined;
  /** A learned booking with no event and nobody in its room this long is forgotten. Default 1 s. */
  quietMs?: number;
}): AuthzChecks {
  let entitlements = createEntitlements();
  const quietUs = (options.quietMs ?? 1_000) * 1000;
  let lastForgetUs = -Infinity;
  const report = (receiver: ObservedReceiver, finding: AuthzFinding) => {
    options.log.record(
      { kind: KIND[finding.kind], user: receiver.userId, connection: receiver.connectionId, room: finding.room, expected: finding.expected, observed: finding.observed },
      options.nowUs(),
    );
  };
  return {
    seeded(world) {
      entitlements = createEntitlements(world);
    },
    report,
    get entitlements() {
      return entitlements;
    },
    tick() {
      const members = options.membership?.();
      const now = options.nowUs();
      if (!members || now - lastForgetUs < Math.min(quietUs / 4, 500_000)) return;
      lastForgetUs = now;
      entitlements.forgetIdle(now - quietUs, (id) => {
        for (const _ of members.members(`booking:${id}`)) return true;
        return false;
      });
    },
    received(receiver, event, payload) {
      const id = (payload as { bookingId?: unknown } | null | undefined)?.bookingId;
      if (typeof id === 'string') entitlements.seen(id, options.nowUs());
      const finding = entitlements.judge(receiver, event, payload);
      if (finding) report(receiver, { ...finding, observed: `${finding.observed}: ${event} ${brief(payload)}` });
    },
    booked(booking: Booking) {
      entitlements.learnBooking(booking, options.nowUs());
    },
    left() {},
    closed() {},
  };
}

/** The payload as evidence, short. */
function brief(payload: unknown): string {
  const text = JSON.stringify(payload) ?? String(payload);
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}
