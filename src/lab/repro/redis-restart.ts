/* Redis restarted under load with the classic pub/sub adapter: whatever the nodes publish
 * while their subscribers are away is gone (pub/sub keeps no history), so cross-node deliveries
 * are lost around the outage; the question users asked is also whether a node stays cut off
 * afterwards. Fix: the streams adapter, which reads the stream from where it left off. */
import { firstImpact, formatMs, formatReasons, serverReasons } from './fault-figures.ts';
import { runCounter, runCounterBy } from './figures.ts';
import { steadyChat } from './steady-chat.ts';
import type { ReproEntry, ReproSize } from './types.ts';

export function redisRestartTimings(size: ReproSize): { atMs: number; downMs: number } {
  // Down 3 s (a container restart) whatever the length: shorter outages lost nothing here.
  return { atMs: Math.round(size.durationMs / 3), downMs: 3_000 };
}

const FULL: ReproSize = { scale: 1, durationMs: 30_000 };
const BOOKINGS = 60;

export const redisRestart: ReproEntry = {
  name: 'redis-restart',
  summary: 'Redis restarted under load, classic pub/sub adapter: cross-node deliveries lost around the outage; fix: streams adapter',
  needs: ['redis'],
  confidence: 'documented',
  links: [
    'https://socket.io/docs/v4/redis-adapter/#what-happens-when-the-redis-server-is-down',
    'https://github.com/socketio/socket.io/issues/4845',
    'https://github.com/socketio/socket.io-redis-adapter/issues/446',
    'https://github.com/socketio/socket.io-redis-adapter/issues/521',
    'https://github.com/redis/ioredis/issues/1451',
    'https://socket.io/docs/v4/redis-streams-adapter/',
  ],
  defaultSize: FULL,
  // The stock fan-out: broadcasts ride the adapter itself (the ordered fan-out has its own path).
  bug: { label: 'classic pub/sub adapter', topology: { nodes: 3, adapter: 'redis', lb: 'sticky', fanout: 'adapter' } },
  fix: { label: 'streams adapter', topology: { nodes: 3, adapter: 'streams', lb: 'sticky', fanout: 'adapter' } },
  load(size) {
    const t = redisRestartTimings(size);
    return {
      scenario: steadyChat({ bookings: BOOKINGS * size.scale, durationMs: size.durationMs, deliveryTimeout: '3s' }),
      faults: [`restart-redis at ${t.atMs}ms for ${t.downMs}ms`],
    };
  },
  signature: {
    // The window runs to the end of the run: a node left cut off keeps timing deliveries out to the end.
    describe: 'deliveries owed and never made (loss violations or delivery timeouts) from the restart to the end of the run',
    detect({ run, server }) {
      const impact = firstImpact(run);
      // A lost delivery is one delivery timeout and one loss violation: the same event, counted once.
      const lost = Math.max(impact.violations.loss ?? 0, impact.deliveryTimeouts);
      const sendErrors = runCounter(run, 'errors');
      return {
        present: lost > 0,
        summary: lost > 0
          ? `${lost} deliveries lost from the restart to the end of the run`
          : `no delivery lost from the restart to the end of the run (${sendErrors} sends refused while Redis was down)`,
        figures: {
          fault: impact.label,
          'loss violations in the window': impact.violations.loss ?? 0,
          'delivery timeouts in the window': impact.deliveryTimeouts,
          'violations by kind in the window': formatReasons(impact.violations),
          'disconnects by reason': formatReasons(impact.disconnects),
          'send errors in the run': sendErrors,
          'send errors by code': formatReasons(runCounterBy(run, 'errors', 'code')),
          'delivery p99 before': formatMs(impact.baselineP99Us === null ? null : impact.baselineP99Us / 1000),
          'delivery p99 worst in the window': formatMs(impact.worstP99Us === null ? null : impact.worstP99Us / 1000),
          // Recovered: delivery complete again and p99 within 2x of before (src/lab/faults/fault-impact.ts).
          'time to recover': impact.recovered ? formatMs(impact.timeToRecoverMs) : 'p99 not back within 2x by the end of the run',
          'server disconnects by reason': serverReasons(server),
        },
      };
    },
  },
};
