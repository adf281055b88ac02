/* One node frozen (SIGSTOP: a long GC pause, a stalled VM) for less than its clients' heartbeat
 * budget: its clients stay connected to a node that does nothing, and every message owed to them
 * waits for the thaw; no error, no disconnect, nothing in any log. Fix: a heartbeat budget
 * (pingInterval + pingTimeout) short enough that clients leave a frozen node and reconnect to a
 * live one. */
import { firstImpact, formatMs, formatReasons, serverReasons } from './fault-figures.ts';
import { steadyChat } from './steady-chat.ts';
import type { ReproEntry, ReproSize, ReproTopology } from './types.ts';

export function frozenNodeTimings(size: ReproSize): { atMs: number; freezeMs: number; shortPingMs: number } {
  const freezeMs = Math.max(6_000, Math.round(size.durationMs / 3));
  return { atMs: Math.round(size.durationMs / 4), freezeMs, shortPingMs: Math.max(250, Math.round(freezeMs / 16)) };
}

const FULL: ReproSize = { scale: 1, durationMs: 30_000 };
const BOOKINGS = 60;
/** Stuck: the worst delivery in the window took at least this share of the freeze. */
const STUCK_SHARE = 0.8;

const topology = (size: ReproSize, role: 'bug' | 'fix'): ReproTopology => {
  const t = frozenNodeTimings(size);
  return role === 'bug'
    ? { nodes: 3, adapter: 'redis', lb: 'sticky', fanout: 'adapter' }
    : { nodes: 3, adapter: 'redis', lb: 'sticky', fanout: 'adapter', pingIntervalMs: t.shortPingMs, pingTimeoutMs: t.shortPingMs };
};

export const frozenNode: ReproEntry = {
  name: 'frozen-node',
  summary: "one node frozen (SIGSTOP) inside the heartbeat budget: its clients stay stuck on it, deliveries wait for the thaw; fix: a shorter heartbeat",
  needs: ['redis'],
  confidence: 'documented',
  links: [
    'https://github.com/socketio/socket.io-adapter/issues/87',
    'https://github.com/socketio/socket.io-redis-adapter/issues/367',
    'https://github.com/socketio/socket.io-cluster-adapter/issues/11',
    'https://socket.io/docs/v4/server-options/#pinginterval',
  ],
  defaultSize: FULL,
  bug: { label: "Socket.IO's default heartbeat (25 s + 20 s)", topology: topology(FULL, 'bug') },
  fix: { label: 'heartbeat budget an eighth of the freeze', topology: topology(FULL, 'fix') },
  topologyFor: (role, size) => topology(size, role),
  load(size) {
    const t = frozenNodeTimings(size);
    return {
      scenario: steadyChat({ bookings: BOOKINGS * size.scale, durationMs: size.durationMs, deliveryTimeout: `${t.freezeMs + 3_000}ms` }),
      faults: [`freeze-node 1 at ${t.atMs}ms for ${t.freezeMs}ms`],
    };
  },
  signature: {
    describe: `the frozen node's clients stuck on it unawares: deliveries waiting most of the freeze (worst p99 at least ${STUCK_SHARE * 100} % of it) and no client leaving the node`,
    detect({ run, size, server }) {
      const impact = firstImpact(run);
      const t = frozenNodeTimings(size);
      const worstMs = impact.worstP99Us === null ? 0 : impact.worstP99Us / 1000;
      const left = Object.values(impact.disconnects).reduce((sum, n) => sum + n, 0);
      // Stuck: deliveries waited most of the freeze, and not one client noticed and left.
      const stuck = worstMs >= STUCK_SHARE * t.freezeMs && left === 0;
      return {
        present: stuck,
        summary: stuck
          ? `deliveries waited up to ${formatMs(worstMs)} of a ${formatMs(t.freezeMs)} freeze, and no client left the frozen node`
          : `${left} clients left the frozen node and ${impact.reconnects} reconnected; the worst delivery waited ${formatMs(worstMs)} of a ${formatMs(t.freezeMs)} freeze`,
        figures: {
          fault: impact.label,
          'delivery p99 before': formatMs(impact.baselineP99Us === null ? null : impact.baselineP99Us / 1000),
          'delivery p99 worst in the window': formatMs(worstMs),
          'clients that left the frozen node': left,
          'disconnects by reason': formatReasons(impact.disconnects),
          'reconnects in the window': impact.reconnects,
          'reconnect failures': impact.reconnectFailures,
          'lost deliveries': Math.max(impact.violations.loss ?? 0, impact.deliveryTimeouts),
          'time to recover': impact.recovered ? formatMs(impact.timeToRecoverMs) : 'p99 not back within 2x by the end of the run',
          'server disconnects by reason': serverReasons(server),
        },
      };
    },
  },
};
