/* The streams adapter trims its one stream to `maxLen` entries. A node that stops reading for
 * longer than the stream holds (frozen, paused by GC, cut from Redis) resumes from an id that
 * has been trimmed away, and XREAD hands it what is left, after the gap: its clients silently
 * miss what the other nodes broadcast meanwhile, though the docs promise to "resume the stream
 * without losing any packets". Fix: size maxLen to the longest stall times the XADD rate. */
import { firstImpact, formatMs, formatReasons, serverReasons } from './fault-figures.ts';
import { steadyChat } from './steady-chat.ts';
import type { ReproEntry, ReproSize, ReproTopology } from './types.ts';

export function recoveryGapTimings(size: ReproSize): { atMs: number; freezeMs: number } {
  // Early enough that deliveries owed during the freeze are judged (at freeze + 2 s) before the run ends.
  return { atMs: Math.round(size.durationMs / 4), freezeMs: Math.max(3_000, Math.round(size.durationMs / 6)) };
}

const FULL: ReproSize = { scale: 1, durationMs: 30_000 };
const BOOKINGS = 60;
/** A stream far shorter than a few seconds of this chat (120 messages/s at full size). */
const SHORT_MAX_LEN = 20;
const ROOMY_MAX_LEN = 100_000;

const topology = (maxLen: number): ReproTopology =>
  ({ nodes: 3, adapter: 'streams', lb: 'sticky', fanout: 'adapter', recovery: true, streamMaxLen: maxLen });

export const recoveryGap: ReproEntry = {
  name: 'recovery-gap',
  summary: "streams adapter, a node stalled longer than the stream's maxLen covers: its clients silently miss messages; fix: size maxLen",
  needs: ['redis'],
  confidence: 'hypothesis',
  links: [
    'https://socket.io/docs/v4/redis-streams-adapter/',
    'https://github.com/socketio/socket.io-redis-streams-adapter/issues/26',
    'https://socket.io/docs/v4/connection-state-recovery',
  ],
  defaultSize: FULL,
  bug: { label: `stream MAXLEN ${SHORT_MAX_LEN}`, topology: topology(SHORT_MAX_LEN) },
  fix: { label: `stream MAXLEN ${ROOMY_MAX_LEN}`, topology: topology(ROOMY_MAX_LEN) },
  load(size) {
    const t = recoveryGapTimings(size);
    return {
      // Deliveries held up by the freeze are late, not lost: the timeout covers it, so only the skipped ones count.
      scenario: steadyChat({ bookings: BOOKINGS * size.scale, durationMs: size.durationMs, deliveryTimeout: `${t.freezeMs + 2_000}ms` }),
      faults: [`freeze-node 1 at ${t.atMs}ms for ${t.freezeMs}ms`],
    };
  },
  signature: {
    describe: 'deliveries never made to members of a room after their node was frozen (loss violations), with the stream trimmed past where the node stopped',
    detect({ run, server }) {
      const impact = firstImpact(run);
      const lost = Math.max(impact.violations.loss ?? 0, impact.deliveryTimeouts);
      const first = run.violations.evidence.find((v) => v.kind === 'loss');
      return {
        present: lost > 0,
        summary: lost > 0 ? `${lost} deliveries never made after the node thawed` : 'every delivery made, late ones included',
        figures: {
          fault: impact.label,
          'lost deliveries in the window': lost,
          'violations by kind in the window': formatReasons(impact.violations),
          'disconnects by reason': formatReasons(impact.disconnects),
          'delivery p99 worst in the window': formatMs(impact.worstP99Us === null ? null : impact.worstP99Us / 1000),
          'time to recover': impact.recovered ? formatMs(impact.timeToRecoverMs) : 'p99 not back within 2x by the end of the run',
          ...(first ? { 'first evidence': `${first.user} in ${first.room}: expected ${first.expected}, ${first.observed}` } : {}),
          'server disconnects by reason': serverReasons(server),
        },
      };
    },
  },
};
