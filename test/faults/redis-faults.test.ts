import { describe, expect, it } from 'vitest';
import { startRun } from '../../src/engine/run.ts';
import type { FaultImpact } from '../../src/lab/faults/index.ts';
import { watchLeaks } from '../helpers/leaks.ts';
import { isAlive } from '../helpers/process.ts';
import { faultChat } from './fixtures/fault-chat.ts';

// Issue 9: Redis faults on the lab's own redis-server (never the shared one), and network faults
// on the nodes' link to it through the fault proxy, on a real two-node cluster under chat.

const pidIn = (detail: string | undefined) => Number(/pid (\d+)/.exec(detail ?? '')?.[1]);
const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
/** What a fault visibly did: failed sends, violations, or a p99 beyond 2x of before. */
const signs = (impact: FaultImpact) =>
  sum(impact.errors) + sum(impact.violations) + impact.deliveryTimeouts + ((impact.worstP99Us ?? 0) > 2 * (impact.baselineP99Us ?? Infinity) ? 1 : 0);

describe('Redis faults on a two-node cluster', () => {
  it('freeze-redis holds deliveries, kill-redis-subscribers cuts every node\'s subscriber, restart-redis fails sends while down', async () => {
    const { result, pendingTimers, leakedHandles } = await watchLeaks(() => startRun({
      // 6 s after the restart: a delivery it loses (the moment a node publishes before another
      // has resubscribed: docs/repro/redis-restart.md) is declared 2 s after its send, and
      // recovery then needs two healthy intervals before the run ends.
      scenario: faultChat('15s'),
      nodes: 2,
      // Each fault's recovery is read up to the next one: room for it on a busy machine.
      faults: ['freeze-redis at 2s for 1s', 'kill-redis-subscribers at 4500ms', 'restart-redis at 9s for 500ms'],
      reportDir: false,
    }));
    // The cluster, its IPC channel, the lab's redis-server (restarted once) and the proxies: all closed.
    expect(pendingTimers).toEqual([]);
    expect(leakedHandles).toEqual([]);
    expect(result.faults?.map((f) => [f.kind, f.applied])).toEqual([['freeze-redis', true], ['kill-redis-subscribers', true], ['restart-redis', true]]);
    const [freeze, subscribers, restart] = result.faultImpact ?? [];
    // Every cross-node delivery goes through Redis pub/sub: frozen, they wait for it.
    expect(freeze!.worstP99Us).toBeGreaterThan(500_000);
    expect(freeze!.worstP99Us).toBeGreaterThan(2 * freeze!.baselineP99Us!);
    // Each node subscribes on a connection of its own (adapter, presence).
    expect(Number(/^(\d+) subscriber connections cut$/.exec(result.faults![1]!.detail ?? '')?.[1])).toBeGreaterThanOrEqual(2);
    // Down for 500 ms and back empty-handed for the sends in between; back with its data after.
    expect(result.faults![2]!.endMs - result.faults![2]!.atMs).toBeGreaterThanOrEqual(500);
    expect(signs(restart!)).toBeGreaterThan(0);
    for (const impact of [freeze!, subscribers!, restart!]) expect(impact.recovered, JSON.stringify(impact)).toBe(true);
    // The lab's redis-server is gone with the run (its pid changed with the restart).
    expect(isAlive(pidIn(result.faults![0]!.detail))).toBe(false);
  }, 90_000);

  it('latency, stall and partition on the node-to-Redis link slow or break cross-node delivery, and it comes back', async () => {
    const result = await startRun({
      scenario: faultChat('13s'),
      nodes: 2,
      // Each fault's recovery is read up to the next one: room for it on a busy machine.
      faults: ['partition redis at 1500ms for 700ms', 'latency redis 300ms jitter 50ms at 6s for 1s', 'stall redis at 9500ms for 1s'],
      reportDir: false,
    });
    expect(result.faults?.map((f) => f.applied)).toEqual([true, true, true]);
    expect(result.faults![1]!.detail).toMatch(/^\d+ connections on the redis link$/);
    const [partition, latency, stall] = result.faultImpact ?? [];
    expect(latency!.worstP99Us).toBeGreaterThan(300_000);
    expect(stall!.worstP99Us).toBeGreaterThan(500_000);
    // A partition cuts the nodes' Redis connections: sends fail or deliveries are lost until they reconnect.
    expect(signs(partition!)).toBeGreaterThan(0);
    for (const impact of [latency!, stall!, partition!]) expect(impact.recovered, JSON.stringify(impact)).toBe(true);
  }, 90_000);
});
