import { describe, expect, it } from 'vitest';
import { startRun } from '../../src/engine/run.ts';
import { startNodeSampler, watchEveryNode } from '../../src/lab/repro/node-sampler.ts';
import { isAlive } from '../helpers/process.ts';
import { faultChat } from './fixtures/fault-chat.ts';

// Issue 9: each node fault injected into a real three-node cluster under a steady chat, and its
// effect seen in the run's own figures. Several faults share one cluster startup; each fault's
// window runs to the next one.

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
const pidIn = (detail: string | undefined) => Number(/pid (\d+)/.exec(detail ?? '')?.[1]);

describe('node faults on a three-node cluster', () => {
  it('freeze-node and block-loop hold deliveries; kill-node cuts its clients, who reconnect to the others', async () => {
    const notices: string[] = [];
    const result = await startRun({
      scenario: faultChat('10s'),
      nodes: 3,
      faults: ['freeze-node 0 at 1s for 1200ms', 'block-loop 1 at 4s for 1200ms', 'kill-node 2 at 7s'],
      reportDir: false,
      onNotice: (m) => notices.push(m),
    });
    expect(result.faults?.map((f) => [f.label, f.applied])).toEqual([
      ['freeze-node 0 at 1s for 1200ms', true],
      ['block-loop 1 at 4s for 1200ms', true],
      ['kill-node 2 at 7s', true],
    ]);
    // Lasting faults are recorded with the time they were lifted.
    expect(result.faults![0]!.endMs - result.faults![0]!.atMs).toBeGreaterThanOrEqual(1_100);
    expect(result.faults![1]!.endMs - result.faults![1]!.atMs).toBeGreaterThanOrEqual(1_100);
    const [freeze, block, kill] = result.faultImpact ?? [];
    // Deliveries to or through the frozen (or busy) node wait for it.
    expect(freeze!.worstP99Us).toBeGreaterThan(2 * (freeze!.baselineP99Us ?? 0));
    expect(freeze!.worstP99Us).toBeGreaterThan(500_000);
    expect(block!.worstP99Us).toBeGreaterThan(500_000);
    expect(kill!.disconnects['transport close']).toBeGreaterThan(0);
    expect(kill!.reconnects).toBeGreaterThan(0);
    expect(isAlive(pidIn(result.faults![2]!.detail))).toBe(false);
    // The frozen node was thawed: it ran to the end of the run and was stopped with the cluster.
    expect(isAlive(pidIn(result.faults![0]!.detail))).toBe(false);
    expect(notices).toContainEqual(expect.stringMatching(/^fault: kill-node 2 at 7s: node 2 pid \d+ SIGKILL$/));
    for (const impact of [freeze!, block!, kill!]) expect(impact.recovered, JSON.stringify({ impact, timeline: result.timeline })).toBe(true);
  }, 90_000);

  it('restart-node and drain-node close their clients, who reconnect; the run recovers', async () => {
    const notices: string[] = [];
    // As the repro catalog does: every node the run's cluster starts is watched, the replacement too.
    const sampler = startNodeSampler();
    const result = await startRun({
      scenario: faultChat('8s'),
      nodes: 3,
      faults: ['restart-node 0 at 1s', 'drain-node 1 at 4500ms'],
      cluster: watchEveryNode(sampler),
      reportDir: false,
      onNotice: (m) => notices.push(m),
    }).finally(() => sampler.stop());
    // restart-node brings a new node 0; drain-node leaves node 1 down.
    expect(notices).toContainEqual(expect.stringMatching(/^node 0 replaced: http:\S+ pid \d+/));
    const replacementMetrics = /^node 0 replaced: .* metrics (\S+)$/.exec(notices.find((m) => m.startsWith('node 0 replaced')) ?? '')?.[1];
    const watch = await sampler.stop();
    expect(watch.nodes.map((n) => n.metricsUrl)).toHaveLength(4);
    const replacement = watch.nodes.find((n) => n.metricsUrl === replacementMetrics);
    expect(replacement?.samples.length, 'the replacement node was scraped').toBeGreaterThan(0);
    expect(replacement?.counters).toBeDefined();
    expect(notices).toContainEqual(expect.stringMatching(/^node 1 \(pid \d+\) exited with 0; left down$/));
    const [restart, drain] = result.faultImpact ?? [];
    expect(result.faults?.map((f) => f.applied)).toEqual([true, true]);
    expect(result.faults![0]!.detail).toMatch(/^node 0 pid \d+ SIGTERM$/);
    for (const impact of [restart!, drain!]) {
      expect(sum(impact.disconnects)).toBeGreaterThan(0);
      expect(impact.reconnects).toBeGreaterThan(0);
      expect(impact.recovered).toBe(true);
    }
  }, 90_000);
});
