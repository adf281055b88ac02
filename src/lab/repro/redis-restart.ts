/* Redis dropping the nodes' subscribers with the classic pub/sub adapter: whatever the nodes
 * publish while a subscriber is away is gone (pub/sub keeps no history). The run cuts every
 * subscriber connection a few times (CLIENT KILL TYPE pubsub: an idle kill, an output-buffer
 * kill, a failover all look like this to the node) while the publishers keep working, then
 * restarts Redis under load; and asks what users asked: does a node stay cut off afterwards?
 * Fix: the streams adapter, which reads broadcasts with XREAD from the last id it saw. */
import { BazaarError } from '../../errors.ts';
import { appliedFaults, formatMs, formatReasons, serverReasons } from './fault-figures.ts';
import { runCounter, runCounterBy } from './figures.ts';
import { steadyChat } from './steady-chat.ts';
import { deliveredBetween, lostBetween } from './timeline-figures.ts';
import type { ReproEntry, ReproSize } from './types.ts';

/** Redis down this long (a container restart) whatever the run's length. */
const DOWN_MS = 3_000;
/** The cuts come this far apart: each cut's subscriber is back (ioredis retries after 50 ms, then resubscribes) well before the next. */
const CUT_EVERY_MS = 500;
/**
 * Losses are declared this long after the send. Above the slowest delivery a send queued by
 * ioredis through the end of the outage makes (its retries back off to ~600 ms apiece).
 */
const DELIVERY_TIMEOUT_MS = 3_000;
/** Redis stops this long after the last cut: that cut's losses are declared before Redis is back. */
const RESTART_AFTER_CUTS_MS = 1_000;
/** After Redis is back, every node's clients have reconnected within this (ioredis backs off 50 ms more per attempt). */
const SETTLE_MS = 1_000;
/** Sends judged after the settle, at the least: a node left cut off would lose deliveries all through them. */
const JUDGED_TAIL_MS = 2_000;

export interface RedisRestartTimings {
  /** When the subscriber connections are cut (kill-redis-subscribers). */
  cutsAtMs: number[];
  /** When Redis stops; it starts again `downMs` later. */
  restartAtMs: number;
  downMs: number;
}

/**
 * Four to ten cuts, half a second apart, from a tenth of the way in (1 s at the least); the
 * restart a second after the last; the rest of the run shows whether every node receives
 * again. Throws when `durationMs` leaves no time to judge that.
 */
export function redisRestartTimings(size: ReproSize): RedisRestartTimings {
  const firstCutMs = Math.max(1_000, Math.round(size.durationMs / 10));
  const cuts = Math.min(10, Math.max(4, Math.round(size.durationMs / 3_000)));
  const cutsAtMs = Array.from({ length: cuts }, (_, k) => firstCutMs + k * CUT_EVERY_MS);
  const restartAtMs = firstCutMs + (cuts - 1) * CUT_EVERY_MS + RESTART_AFTER_CUTS_MS;
  const neededMs = restartAtMs + DOWN_MS + SETTLE_MS + DELIVERY_TIMEOUT_MS + JUDGED_TAIL_MS;
  if (size.durationMs < neededMs) {
    throw new BazaarError('BAZAAR_BAD_OPTIONS', `repro redis-restart needs a load of at least ${neededMs / 1000} s, got ${size.durationMs / 1000} s`,
      `the cuts, Redis down ${DOWN_MS / 1000} s and a stretch after it to see whether every node receives again: pass --duration ${Math.ceil(neededMs / 1000)}s or more`);
  }
  return { cutsAtMs, restartAtMs, downMs: DOWN_MS };
}

const FULL: ReproSize = { scale: 1, durationMs: 30_000 };
const BOOKINGS = 60;

export const redisRestart: ReproEntry = {
  name: 'redis-restart',
  summary: 'Redis drops the subscribers, then restarts, under load, classic pub/sub adapter: cross-node deliveries lost; fix: streams adapter',
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
      scenario: steadyChat({
        bookings: BOOKINGS * size.scale,
        durationMs: size.durationMs,
        deliveryTimeout: `${DELIVERY_TIMEOUT_MS}ms`,
        // Sends spread over time: a cut's short window catches whatever is sent then, not a lucky or unlucky step.
        sendJitter: 0.5,
      }),
      faults: [
        ...t.cutsAtMs.map((atMs) => `kill-redis-subscribers at ${atMs}ms`),
        `restart-redis at ${t.restartAtMs}ms for ${t.downMs}ms`,
      ],
    };
  },
  signature: {
    describe: 'deliveries owed and never made (loss violations or delivery timeouts) from the first subscriber cut to the end of the run;'
      + ` any among the sends from ${SETTLE_MS / 1000} s after Redis was back means a node stayed cut off`,
    detect({ run, server }) {
      const faults = appliedFaults(run);
      const cuts = faults.filter((f) => f.kind === 'kill-redis-subscribers');
      const restart = faults.find((f) => f.kind === 'restart-redis');
      if (!restart || cuts.length === 0) throw new Error(`the run played ${faults.map((f) => f.label).join(', ')}: no subscriber cut or no restart`);
      const firstCutMs = (cuts[0] as { atMs: number }).atMs;
      // Each interval counts once, by its start (src/lab/repro/timeline-figures.ts): the cuts'
      // losses are declared before Redis is back (the last cut is more than the delivery timeout
      // before it), the restart's after; the sends made from the settle on are declared a
      // delivery timeout later.
      const backMs = restart.endMs;
      const afterMs = backMs + SETTLE_MS;
      const lostToCuts = lostBetween(run.timeline, firstCutMs, backMs);
      const lostAroundRestart = lostBetween(run.timeline, backMs, afterMs + DELIVERY_TIMEOUT_MS);
      const lostAfter = lostBetween(run.timeline, afterMs + DELIVERY_TIMEOUT_MS);
      const deliveredAfter = deliveredBetween(run.timeline, afterMs);
      const lost = lostToCuts + lostAroundRestart + lostAfter;
      const refused = runCounter(run, 'errors');
      const impact = run.faultImpact?.find((i) => i.label === restart.label);
      const cutOff = lostAfter > 0
        ? `${lostAfter} deliveries still lost among the sends from ${SETTLE_MS / 1000} s after Redis was back: a node stayed cut off`
        : deliveredAfter > 0
          ? `none among the sends from ${SETTLE_MS / 1000} s after Redis was back (${deliveredAfter} delivered): no node stayed cut off`
          : `nothing delivered from ${SETTLE_MS / 1000} s after Redis was back`;
      return {
        present: lost > 0,
        summary: lost > 0
          ? `${lost} deliveries lost: ${lostToCuts} to ${cuts.length} subscriber cuts, ${lostAroundRestart} around the restart; ${cutOff}`
          : `no delivery lost through ${cuts.length} subscriber cuts and the restart (${refused} sends refused while Redis was down); ${cutOff}`,
        figures: {
          faults: `kill-redis-subscribers ×${cuts.length} ${cuts.length > 1 ? `every ${CUT_EVERY_MS}ms ` : ''}from ${(cuts[0] as { label: string }).label.split(' at ')[1]}, then ${restart.label}`,
          'subscriber connections cut': cuts.map((c) => Number(/^(\d+)/.exec(c.detail ?? '')?.[1] ?? 0)).reduce((a, b) => a + b, 0),
          'lost to the subscriber cuts': lostToCuts,
          'lost per cut': Math.round((lostToCuts / cuts.length) * 10) / 10,
          'lost around the restart': lostAroundRestart,
          [`lost from ${SETTLE_MS / 1000} s after Redis was back`]: lostAfter,
          [`delivered from ${SETTLE_MS / 1000} s after Redis was back`]: deliveredAfter,
          'send errors in the run': refused,
          'send errors by code': formatReasons(runCounterBy(run, 'errors', 'code')),
          'client disconnects by reason': formatReasons(Object.fromEntries(Object.entries(runCounterBy(run, 'disconnects', 'reason')).filter(([reason]) => reason !== 'io client disconnect'))),
          'delivery p99 before the restart': formatMs(impact?.baselineP99Us == null ? null : impact.baselineP99Us / 1000),
          'delivery p99 worst after it': formatMs(impact?.worstP99Us == null ? null : impact.worstP99Us / 1000),
          // Recovered: delivery complete again and p99 within 2x of before (src/lab/faults/fault-impact.ts).
          'time to recover from the restart': impact?.recovered ? formatMs(impact.timeToRecoverMs) : 'p99 not back within 2x by the end of the run',
          'server disconnects by reason': serverReasons(server),
        },
      };
    },
  },
};
