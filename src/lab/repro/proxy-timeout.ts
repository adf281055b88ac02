/* HAProxy without `timeout tunnel` cuts an upgraded WebSocket once it has been idle for
 * `timeout client`/`timeout server`; a server whose pingInterval is longer sends nothing in
 * between, so idle clients drop with 'transport close' at a regular period and reconnect.
 * Fix: a tunnel timeout above the ping interval (socket.io's example config: 1 h). */
import { defineScenario } from '../../scenario/index.ts';
import { runCounter } from './figures.ts';
import type { ReproEntry, ReproSize } from './types.ts';

/** The proxy's idle timeout and the heartbeat, from the run's length: the idle stretch covers a few timeouts, the ping fires after it. */
export function proxyTimeoutTimings(size: ReproSize): { proxyTimeoutMs: number; pingIntervalMs: number; idleMs: number } {
  const idleMs = size.durationMs;
  const proxyTimeoutMs = Math.max(500, Math.round(idleMs / 4));
  return { proxyTimeoutMs, pingIntervalMs: idleMs + 5_000, idleMs };
}

const USERS = 50;
const FULL: ReproSize = { scale: 1, durationMs: 40_000 };
const fullTimings = proxyTimeoutTimings(FULL);

export const proxyTimeout: ReproEntry = {
  name: 'proxy-timeout',
  summary: "HAProxy without `timeout tunnel` cuts idle WebSockets ('transport close'); fix: tunnel timeout above the ping interval",
  needs: ['haproxy'],
  confidence: 'documented',
  links: [
    'https://socket.io/docs/v4/reverse-proxy/',
    'https://socket.io/docs/v4/troubleshooting-connection-issues/#something-between-the-server-and-the-client-closes-the-connection',
    'https://github.com/socketio/socket.io/issues/3025',
    'https://github.com/socketio/socket.io-client/issues/1584',
    'https://github.com/socketio/socket.io/blob/main/examples/cluster-haproxy/haproxy.cfg',
  ],
  defaultSize: FULL,
  // The variants' timings follow --duration (runRepro rebuilds them through topologyFor).
  bug: {
    label: 'HAProxy: timeout client/server short, no timeout tunnel; pingInterval above it',
    topology: { nodes: 1, pingIntervalMs: fullTimings.pingIntervalMs, haproxy: { clientMs: fullTimings.proxyTimeoutMs, serverMs: fullTimings.proxyTimeoutMs, tunnelMs: null } },
  },
  fix: {
    label: 'HAProxy: timeout tunnel 1h (above the ping interval)',
    topology: { nodes: 1, pingIntervalMs: fullTimings.pingIntervalMs, haproxy: { clientMs: fullTimings.proxyTimeoutMs, serverMs: fullTimings.proxyTimeoutMs, tunnelMs: 3_600_000 } },
  },
  topologyFor(role, size) {
    const t = proxyTimeoutTimings(size);
    return { nodes: 1, pingIntervalMs: t.pingIntervalMs, haproxy: { clientMs: t.proxyTimeoutMs, serverMs: t.proxyTimeoutMs, tunnelMs: role === 'bug' ? null : 3_600_000 } };
  },
  load(size) {
    const { idleMs } = proxyTimeoutTimings(size);
    const users = Math.max(2, Math.round(USERS * size.scale));
    return {
      // Not rescaled by startRun: the idle stretch must stay as long as asked.
      scenario: defineScenario({
        name: 'repro-proxy-timeout',
        world: { sellers: 1, listingsPerSeller: users, bookings: users },
        options: { gracefulStop: '5s', reconnectTimeout: '10s' },
        executor: { type: 'per-vu-iterations', vus: users, iterations: 1, maxDuration: `${idleMs + 20_000}ms` },
        async iteration({ buyer, booking, think }) {
          await buyer.join(booking!);
          // Idle: no application traffic, only Engine.IO's heartbeat (which comes after this).
          await think(idleMs);
        },
      }),
    };
  },
  signature: {
    describe: "idle WebSockets closed by the entry: clients disconnected with 'transport close' while nothing was sent",
    detect({ run, server, size }) {
      const { proxyTimeoutMs, pingIntervalMs, idleMs } = proxyTimeoutTimings(size);
      const cut = runCounter(run, 'disconnects', { reason: 'transport close' });
      const users = run.world.buyers;
      return {
        present: cut > 0,
        summary: cut > 0
          ? `${cut} idle connections cut ('transport close') in ${Math.round(idleMs / 1000)} s of silence`
          : `no idle connection cut in ${Math.round(idleMs / 1000)} s of silence`,
        figures: {
          "client disconnects 'transport close'": cut,
          "server disconnects 'transport close'": server?.disconnects['transport close'] ?? 0,
          'cuts per user': users > 0 ? Math.round((cut / users) * 10) / 10 : 0,
          'proxy idle timeout (ms)': proxyTimeoutMs,
          'server pingInterval (ms)': pingIntervalMs,
          'idle stretch (ms)': idleMs,
          reconnects: run.metrics.latencies.filter((l) => l.name === 'reconnect').reduce((s, l) => s + l.summary.count, 0),
        },
      };
    },
  },
};
