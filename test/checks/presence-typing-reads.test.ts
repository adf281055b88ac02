import { describe, expect, it } from 'vitest';
import { runChecks, type CheckReport } from '../../src/checks/run-checks.ts';

const GROUPS = 'presence.*,typing.*,reads.*';
const IDS = [
  'presence.no-flicker-on-reconnect',
  'presence.offline-once-after-ttl',
  'presence.no-ghost',
  'presence.heartbeat-keeps-online',
  'typing.start-limited',
  'typing.relay',
  'reads.receipt-reaches-sender',
  'reads.repeat-is-noop',
  'reads.offline-sender-sees-history',
  'reads.only-recipient-marks',
];

/** Every check that did not pass, with its evidence: what a failing assertion should show. */
function unpassed(report: CheckReport): string[] {
  return report.checks.filter((c) => c.status !== 'passed').map((c) => `${c.id} ${c.status}: ${c.evidence.join(' | ')}`);
}

describe('presence.*, typing.*, reads.* on the clean embedded server', () => {
  it('every check passes', async () => {
    const report = await runChecks({ only: GROUPS });
    expect(report.checks.map((c) => c.id)).toEqual(IDS);
    expect(unpassed(report)).toEqual([]);
  }, 90_000);
});

interface DefectCase {
  defect: string;
  group: string;
  /** The check(s) meant for this defect, each with a pattern its evidence must match and its guarantee. */
  failing: Record<string, { evidence: RegExp; guarantee: RegExp }>;
}

const clock = String.raw`\d\d:\d\d:\d\d\.\d\d\d`;
const CASES: DefectCase[] = [
  {
    defect: 'presence-delete-on-disconnect',
    group: 'presence',
    failing: {
      'presence.no-flicker-on-reconnect': {
        evidence: new RegExp(String.raw`^\S+-watcher\d+@c\d+ saw \S+-seller\d+ go offline at ${clock} and online \d+ ms later during a reconnect within the TTL \(\S+ disconnected at ${clock} and was back \d+ ms later; TTL 2000 ms\)$`),
        guarantee: /§6\.4 Presence: no flicker/,
      },
      'presence.offline-once-after-ttl': {
        evidence: /^\S+@c\d+ saw \S+ go offline at .*, \d+ ms after .* last heartbeat .*, before its 2000 ms TTL lapsed/,
        guarantee: /§6\.4/,
      },
    },
  },
  {
    defect: 'no-presence-sweep',
    group: 'presence',
    failing: {
      'presence.offline-once-after-ttl': {
        evidence: /^\S+-watcher\d+@c\d+ saw no presence:changed \{online:false\} for \S+-seller\d+ within \d+ ms of .* last heartbeat at .*\(TTL 2000 ms \+ sweep 200 ms \+ \d+ ms margin\)$/,
        guarantee: /§6\.4 Presence: offline exactly once/,
      },
      'presence.no-ghost': {
        evidence: /^\S+-fresh\d+@c\d+ sent presence:watch \S+-seller\d+ \d+ ms after .* and was answered online:true: a ghost$/,
        guarantee: /§6\.4 Presence: no ghost/,
      },
    },
  },
  {
    defect: 'offline-timer-and-sweep',
    group: 'presence',
    failing: {
      'presence.offline-once-after-ttl': {
        evidence: new RegExp(String.raw`^\S+@c\d+ saw \S+-seller\d+ announced offline 2 times \(at ${clock}, ${clock}\); a lapse is announced exactly once$`),
        guarantee: /§6\.4 Presence: offline exactly once/,
      },
    },
  },
  {
    defect: 'heartbeat-not-refreshing',
    group: 'presence',
    failing: {
      'presence.heartbeat-keeps-online': {
        evidence: /^\S+-watcher\d+@c\d+ saw \S+-seller\d+ go offline at .* and online \d+ ms later while \S+ was connected and heartbeating/,
        guarantee: /§6\.4 Presence: heartbeats refresh the TTL/,
      },
    },
  },
  {
    defect: 'no-typing-limit',
    group: 'typing',
    failing: {
      'typing.start-limited': {
        evidence: /^\S+-seller\d+@c\d+ received (1\d|20) typing:start from \S+-buyer\d+ in booking \S+ within \d+ ms \(at \+\d+, \+\d+, .*\); at most one per 3000 ms may reach a receiver$/,
        guarantee: /§6\.5 Typing/,
      },
    },
  },
  {
    defect: 'typing-echo-to-sender',
    group: 'typing',
    failing: {
      'typing.relay': {
        evidence: /^\S+-buyer\d+@c\d+ received its own typing back: typing:start \{"bookingId":"\S+","userId":"\S+-buyer\d+"\}.*the sending socket is excluded from the relay$/,
        guarantee: /§5 typing:start \/ typing:stop: relayed to the room except the sending socket/,
      },
    },
  },
  {
    defect: 'read-receipt-to-room',
    group: 'reads',
    failing: {
      'reads.receipt-reaches-sender': {
        evidence: /^\S+-buyer\d+@c\d+ marked message \S+ read \(ack readAt \d+\); \S+-seller\d+@c\d+, the sender's connection that never joined the booking, got no read:updated within \d+ ms$/,
        guarantee: /§6\.6 Read receipts/,
      },
    },
  },
  {
    defect: 'read-mark-any-party',
    group: 'reads',
    failing: {
      'reads.only-recipient-marks': {
        evidence: /^\S+-seller\d+@c\d+ \(the sender\) sent read:mark of its own message \S+ and got \{"ok":true,"readAt":\d+\}; expected \{ok:false, error:\{code:'forbidden'\}\}$/,
        guarantee: /§5 read:mark: only the party who did not send it/,
      },
    },
  },
  {
    defect: 'read-mark-not-persisted',
    group: 'reads',
    failing: {
      'reads.offline-sender-sees-history': {
        evidence: /^\S+-seller\d+@c\d+ sent \S+ and disconnected; \S+-buyer\d+@c\d+ marked it read \(ack readAt \d+\); \S+ came back as \S+@c\d+ and GET \/api\/bookings\/\S+\/messages as \S+ shows readAt null$/,
        guarantee: /§6\.6 Read receipts: an acked read:mark is in history/,
      },
      'reads.repeat-is-noop': {
        evidence: /got 3 read:updated for \S+ after \S+ marked it 3 times/,
        guarantee: /§5 read:mark: repeating it is a no-op/,
      },
    },
  },
];

// Each run starts its own embedded server; they wait far more than they work, so run side by side.
describe.concurrent('each defect fails the check meant for it, with specific evidence', () => {
  it.for(CASES)('$defect', { timeout: 90_000 }, async ({ defect, group, failing }) => {
    const report = await runChecks({ only: `${group}.*`, defect });
    expect(report.defect).toBe(defect);
    // Failures, not harness errors: every check ran to a verdict.
    expect(report.checks.filter((c) => c.status !== 'passed' && c.status !== 'failed').map((c) => `${c.id}: ${c.evidence.join(' | ')}`)).toEqual([]);
    for (const [id, expected] of Object.entries(failing)) {
      const result = report.checks.find((c) => c.id === id);
      expect(result, id).toBeDefined();
      expect(result!.status, `${id} under ${defect}`).toBe('failed');
      expect(result!.evidence.length).toBeGreaterThan(0);
      expect(result!.evidence.some((line) => expected.evidence.test(line)), `${id} evidence:\n${result!.evidence.join('\n')}`).toBe(true);
      expect(result!.guarantee).toMatch(expected.guarantee);
    }
  });
});
