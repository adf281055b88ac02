/* A node's event loop blocked for longer than its clients' heartbeat budget (pingInterval +
 * pingTimeout): it sends no ping, every client of that node gives up on it at once with
 * 'ping timeout', and they all reconnect together. Fix: keep the loop free, and size
 * pingTimeout so that a stall the node can have stays inside the budget. */
import { firstImpact, formatMs, formatReasons, serverReasons } from './fault-figures.ts';
import { runCounter } from './figures.ts';
import { steadyChat } from './steady-chat.ts';
import type { ReproEntry, ReproSize, ReproTopology } from './types.ts';

/** The block and the heartbeats, from the run's length: the block sits in the middle third. */
export function loopBlockTimings(size: ReproSize): { atMs: number; blockMs: number; pingIntervalMs: number; bugPingTimeoutMs: number; fixPingTimeoutMs: number } {
  const blockMs = Math.max(1_500, Math.round(size.durationMs / 3));
  const pingIntervalMs = Math.max(250, Math.round(blockMs / 4));
  return {
    atMs: Math.round(size.durationMs / 3),
    blockMs,
    pingIntervalMs,
    // Budget (interval + timeout) half the block: every client of the node gives up during it.
    bugPingTimeoutMs: pingIntervalMs,
    // Budget above the block: the node answers late, and nobody leaves.
    fixPingTimeoutMs: blockMs * 2,
  };
}

const FULL: ReproSize = { scale: 1, durationMs: 30_000 };
const BOOKINGS = 60;

const topology = (size: ReproSize, role: 'bug' | 'fix'): ReproTopology => {
  const t = loopBlockTimings(size);
  return { nodes: 3, adapter: 'redis', lb: 'sticky', pingIntervalMs: t.pingIntervalMs, pingTimeoutMs: role === 'bug' ? t.bugPingTimeoutMs : t.fixPingTimeoutMs };
};

export const loopBlock: ReproEntry = {
  name: 'loop-block',
  summary: "a node's event loop blocked past the heartbeat budget: mass 'ping timeout' and a reconnect wave; fix: pingTimeout sized above the stall",
  needs: ['redis'],
  confidence: 'documented',
  links: [
    'https://socket.io/docs/v4/server-options/#pingtimeout',
    'https://github.com/socketio/socket.io/issues/2769',
    'https://github.com/SyncOT/SyncOT/pull/17',
    'https://github.com/bigbluebutton/bigbluebutton/pull/10826',
  ],
  defaultSize: FULL,
  bug: { label: 'heartbeat budget (pingInterval + pingTimeout) shorter than the block', topology: topology(FULL, 'bug') },
  fix: { label: 'pingTimeout sized above the block', topology: topology(FULL, 'fix') },
  topologyFor: (role, size) => topology(size, role),
  load(size) {
    const t = loopBlockTimings(size);
    return {
      scenario: steadyChat({ bookings: BOOKINGS * size.scale, durationMs: size.durationMs, deliveryTimeout: `${t.blockMs + 2_000}ms` }),
      faults: [`block-loop 0 at ${t.atMs}ms for ${t.blockMs}ms`],
    };
  },
  signature: {
    describe: "clients disconnected with 'ping timeout' while their node's loop was blocked, then reconnecting together",
    detect({ run, size, server }) {
      const impact = firstImpact(run);
      const t = loopBlockTimings(size);
      const pingTimeouts = impact.disconnects['ping timeout'] ?? 0;
      const connections = 2 * run.world.bookings;
      return {
        present: pingTimeouts > 0,
        summary: pingTimeouts > 0
          ? `${pingTimeouts} of ${connections} connections dropped with 'ping timeout' during a ${formatMs(t.blockMs)} block, ${impact.reconnects} reconnected`
          : `no 'ping timeout' during a ${formatMs(t.blockMs)} block`,
        figures: {
          fault: impact.label,
          "disconnects 'ping timeout'": pingTimeouts,
          'disconnects by reason': formatReasons(impact.disconnects),
          'connections in the run': connections,
          'reconnects after it': impact.reconnects,
          'reconnect failures': impact.reconnectFailures,
          'delivery p99 before': formatMs(impact.baselineP99Us === null ? null : impact.baselineP99Us / 1000),
          'delivery p99 worst in the window': formatMs(impact.worstP99Us === null ? null : impact.worstP99Us / 1000),
          'time to recover': impact.recovered ? formatMs(impact.timeToRecoverMs) : 'not recovered',
          'loss violations in the run': run.violations.counts.loss ?? 0,
          'delivery timeouts in the run': runCounter(run, 'delivery_timeouts'),
          'server disconnects by reason': serverReasons(server),
        },
      };
    },
  },
};
