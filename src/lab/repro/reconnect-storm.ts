/* One of 3 nodes killed under load: every client it held reconnects within about a second
 * (socket.io-client's first attempt comes 1 s ± 50 % after the drop), a burst of handshakes on
 * the survivors, and the load stays skewed afterwards. Fix: a client backoff with more delay
 * and full jitter spreads the herd over seconds. */
import { firstImpact, formatMs, formatReasons, serverReasons } from './fault-figures.ts';
import { runCounter } from './figures.ts';
import { steadyChat } from './steady-chat.ts';
import type { ReproEntry, ReproSize } from './types.ts';

/** 90 % of the dropped clients back within this of the first: a herd. */
export const STORM_WINDOW_MS = 2_000;
/** The fix: first attempt after 0 to 6 s (3 s ± 100 %), later ones up to 10 s. */
const SPREAD_BACKOFF = { delay: '3s', delayMax: '10s', randomizationFactor: 1 };

const FULL: ReproSize = { scale: 1, durationMs: 30_000 };
const BOOKINGS = 500;

export const reconnectStorm: ReproEntry = {
  name: 'reconnect-storm',
  summary: "kill one of 3 nodes under load: its clients all reconnect within a second or two; fix: client backoff with full jitter",
  needs: ['redis'],
  confidence: 'documented',
  links: [
    'https://github.com/socketio/socket.io/issues/2998',
    'https://github.com/socketio/socket.io-client/issues/784',
    'https://github.com/ParabolInc/parabol/issues/8903',
    'https://github.com/socketio/socket.io/issues/1923',
    'https://socket.io/docs/v4/client-options/#randomizationfactor',
    'https://socket.io/docs/v4/server-options/#pingtimeout',
  ],
  defaultSize: FULL,
  bug: { label: "socket.io-client's default backoff (1 s ± 50 %)", topology: { nodes: 3, adapter: 'redis', lb: 'sticky' } },
  fix: { label: 'backoff 3 s ± 100 % (up to 10 s)', topology: { nodes: 3, adapter: 'redis', lb: 'sticky' } },
  load(size, role) {
    return {
      scenario: steadyChat({
        bookings: BOOKINGS * size.scale,
        durationMs: size.durationMs,
        sendEveryMs: 2_000,
        deliveryTimeout: '5s',
        ...(role === 'fix' ? { reconnection: SPREAD_BACKOFF } : {}),
      }),
      faults: [`kill-node 1 at ${Math.round(size.durationMs / 3)}ms`],
    };
  },
  signature: {
    describe: `the killed node's clients reconnecting as a herd: 90 % of them back within ${STORM_WINDOW_MS / 1000} s of the first`,
    detect({ run, server }) {
      const impact = firstImpact(run);
      const reconnect = run.metrics.latencies.find((l) => l.name === 'reconnect');
      const count = reconnect?.summary.count ?? 0;
      const firstMs = (reconnect?.summary.minUs ?? 0) / 1000;
      const p90Ms = (reconnect?.summary.p90Us ?? 0) / 1000;
      const widthMs = Math.max(1, p90Ms - firstMs);
      const herd = count >= 5 && widthMs <= STORM_WINDOW_MS;
      const connections = 2 * run.world.bookings;
      return {
        present: herd,
        summary: count === 0
          ? 'no client reconnected'
          : `${count} of ${connections} connections dropped and came back; 90 % of them within ${formatMs(widthMs)} (about ${Math.round((0.8 * count) / (widthMs / 1000))} handshakes/s)`,
        figures: {
          fault: impact.label,
          'connections in the run': connections,
          reconnects: count,
          'first back after': formatMs(firstMs),
          'p50 back after': formatMs((reconnect?.summary.p50Us ?? 0) / 1000),
          'p90 back after': formatMs(p90Ms),
          'last back after': formatMs((reconnect?.summary.maxUs ?? 0) / 1000),
          'reconnect failures': runCounter(run, 'reconnect_failures'),
          'disconnects by reason': formatReasons(impact.disconnects),
          "'ping timeout' on the survivors": impact.disconnects['ping timeout'] ?? 0,
          'delivery p99 worst in the window': formatMs(impact.worstP99Us === null ? null : impact.worstP99Us / 1000),
          'server disconnects by reason': serverReasons(server),
        },
      };
    },
  },
};
