/* One of 3 nodes killed (SIGKILL) while buyers watch sellers' presence, and its users do not come
 * back: with presence kept in each node's memory (synced between nodes by serverSideEmit), the
 * only node that could expire their presence is gone, so the survivors show them online for
 * good. Fix: presence in Redis with a TTL, which lapses whatever became of the node. */
import { defineScenario } from '../../scenario/index.ts';
import type { Scenario } from '../../scenario/types.ts';
import { firstImpact, formatMs, formatReasons } from './fault-figures.ts';
import type { ReproEntry, ReproSize, ReproTopology } from './types.ts';

const FULL: ReproSize = { scale: 1, durationMs: 30_000 };
const BOOKINGS = 60;
/** Sellers each buyer watches: its booking's and the next ones. */
const WATCHED = 3;
/** The ghost check's margin is the larger of 2 s and the delivery timeout (src/checks/online-checks.ts). */
const DELIVERY_TIMEOUT = '2s';

/** The kill a quarter in; a TTL short enough that its lapse, sweep and margin fall well inside the run. */
export function ghostTimings(size: ReproSize): { atMs: number; ttlMs: number } {
  return { atMs: Math.round(size.durationMs / 4), ttlMs: Math.max(1_000, Math.min(3_000, Math.round(size.durationMs / 10))) };
}

const topology = (size: ReproSize, role: 'bug' | 'fix'): ReproTopology => ({
  nodes: 3,
  adapter: 'redis',
  lb: 'sticky',
  presenceTtlMs: ghostTimings(size).ttlMs,
  ...(role === 'bug' ? { presenceStore: 'node-memory' as const } : {}),
});

/**
 * Every booking's seller connected, its buyer watching that seller's presence and the next
 * ones', all on the heartbeat the server announces. Clients do not reconnect within the run
 * (a first attempt after an hour): the killed node's users left for good, as users whose tab
 * died with the connection, so every one of them is owed an offline.
 */
function watchedSellers(bookings: number, durationMs: number): Scenario & { name: string } {
  const count = Math.max(WATCHED, Math.round(bookings));
  return defineScenario({
    name: 'repro-watched-sellers',
    world: { sellers: count, listingsPerSeller: 1, bookings: count },
    options: {
      deliveryTimeout: DELIVERY_TIMEOUT,
      gracefulStop: '3s',
      reconnection: { delay: '1h', delayMax: '1h', randomizationFactor: 0 },
    },
    executor: { type: 'constant-vus', vus: count, duration: `${durationMs}ms` },
    async setup({ buyer, seller, world, vu }) {
      const watched = Array.from({ length: WATCHED }, (_, i) => world.sellers[(vu - 1 + i) % world.sellers.length]!);
      await seller.connect();
      for (const sellerId of watched) await buyer.watchPresence(sellerId);
    },
    async iteration({ think }) {
      await think('1s');
    },
  }) as Scenario & { name: string };
}

export const ghostAfterKill: ReproEntry = {
  name: 'ghost-after-kill',
  summary: "kill one of 3 nodes while its users are watched: with presence in node memory they stay online for good; fix: presence in Redis with a TTL",
  needs: ['redis'],
  confidence: 'documented',
  links: [
    'https://github.com/socketio/socket.io/issues/2528',
    'https://github.com/socketio/socket.io-redis-adapter/pull/15',
    'https://github.com/socketio/socket.io-redis-adapter/issues/207',
    'https://socket.io/docs/v4/server-api/#serverserversideemiteventname-args',
    'https://redis.io/docs/latest/commands/expire/',
  ],
  defaultSize: FULL,
  bug: { label: "presence in each node's memory, synced by serverSideEmit", topology: topology(FULL, 'bug') },
  fix: { label: 'presence in Redis with a TTL', topology: topology(FULL, 'fix') },
  topologyFor: (role, size) => topology(size, role),
  load(size) {
    return {
      scenario: watchedSellers(BOOKINGS * size.scale, size.durationMs),
      faults: [`kill-node 1 at ${ghostTimings(size).atMs}ms`],
    };
  },
  signature: {
    describe: "users of the killed node who never came back still shown online to watchers on the survivors after their last heartbeat + TTL + sweep + margin (the run's presence check: ghost violations)",
    detect({ run, size }) {
      const impact = firstImpact(run);
      const presence = run.violations.counts.presence ?? 0;
      const evidence = run.violations.evidence.filter((v) => v.kind === 'presence');
      const ghosts = evidence.filter((v) => v.observed.endsWith('(ghost)'));
      const left = Object.values(impact.disconnects).reduce((sum, n) => sum + n, 0);
      const present = ghosts.length > 0;
      const { ttlMs } = ghostTimings(size);
      const ghostUsers = new Set(ghosts.map((v) => v.room)).size;
      return {
        present,
        summary: present
          ? `${presence} presence violations: watchers on the survivors still shown users of the killed node online (${ghostUsers} such users in the first ${evidence.length} records), long after their TTL of ${formatMs(ttlMs)}`
          : left === 0
            ? 'no client left with the killed node (nothing was owed an offline)'
            : `${left} connections lost with the node, and no watcher left showing one of them online past the TTL (${presence} presence violations)`,
        figures: {
          fault: impact.label,
          'presence TTL': formatMs(ttlMs),
          'connections lost with the node': left,
          'disconnects by reason': formatReasons(impact.disconnects),
          'reconnects in the window': impact.reconnects,
          'presence violations': presence,
          'ghosts in the evidence': `${ghosts.length} of ${evidence.length}`,
          'first ghost': ghosts[0] ? `${ghosts[0].room.slice('presence:'.length)}, to watcher ${ghosts[0].user}: ${ghosts[0].observed}` : 'none',
        },
      };
    },
  },
};
