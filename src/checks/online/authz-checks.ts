import type { Booking } from '../../contract/index.ts';
import type { EventObserver, ObservedReceiver } from '../../client/event-observer.ts';
import type { SeededWorld } from '../../scenario/types.ts';
import type { ViolationLog } from '../violations.ts';
import { AUTHZ_VIOLATION_KINDS } from './authz-kinds.ts';
import { createEntitlements, type AuthzFinding, type Entitlements } from './entitlements.ts';

export interface AuthzChecks extends EventObserver {
  /** The world is seeded: from now on its rooms are judged. */
  seeded(world: SeededWorld): void;
  /** An intruder's own finding (a forbidden join or a write answered ok), with the connection it used. */
  report(receiver: ObservedReceiver, finding: AuthzFinding): void;
  /** The entitlements in force (intruders pick their targets from them). */
  readonly entitlements: Entitlements;
}

const KIND = { leak: AUTHZ_VIOLATION_KINDS[0], write: AUTHZ_VIOLATION_KINDS[1] } as const;

/**
 * Authorization checked by receipt on every event every simulated user receives: an event of a
 * room its receiver is not entitled to is an `authz-leak`, and a write by a non-party that
 * reaches anyone is an `authz-write` (src/checks/online/entitlements.ts). Holds no state per
 * receiver: what it knows is the world the run seeded and the bookings made during the run.
 */
export function createAuthzChecks(options: { log: ViolationLog; nowUs(): number }): AuthzChecks {
  let entitlements = createEntitlements();
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
    received(receiver, event, payload) {
      const finding = entitlements.judge(receiver, event, payload);
      if (finding) report(receiver, { ...finding, observed: `${finding.observed}: ${event} ${brief(payload)}` });
    },
    booked(booking: Booking) {
      entitlements.learnBooking(booking);
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
