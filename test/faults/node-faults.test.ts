import { describe, expect, it } from 'vitest';
import { startRun } from '../../src/engine/run.ts';
import { isAlive } from '../helpers/process.ts';
import faultChat from './fixtures/fault-chat.ts';

// Issue 9: each node fault injected into a real three-node cluster under a steady chat, and its
// effect seen in the run's own figures. Several faults share one cluster startup; each fault's
// window runs to the next one.

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

describe('node faults on a three-node cluster', () => {
  it('freeze-node, block-loop and kill-node: latency while frozen or blocked, disconnects and reconnects after the kill', async () => {
    const notices: string[] = [];
    const result = await startRun({
      scenario: faultChat,
      nodes: 3,
      faults: ['freeze-node 0 at 1s for 1500ms', 'block-loop 1 at 3500ms for 1500ms', 'kill-node 2 at 6s'],
      reportDir: false,
      onNotice: (m) => notices.push(m),
    });
    console.log(JSON.stringify({ faults: result.faults, impact: result.faultImpact, violations: result.violations.counts }, null, 1));
    expect(result.faults?.map((f) => [f.label, f.applied])).toEqual([
      ['freeze-node 0 at 1500ms for 1500ms'.replace('at 1500ms', 'at 1s'), true],
      ['block-loop 1 at 3500ms for 1500ms', true],
      ['kill-node 2 at 6s', true],
    ]);
    const [freeze, block, kill] = result.faultImpact ?? [];
    // Deliveries to or through the frozen node wait for it: p99 at least the better part of the freeze.
    expect(freeze!.worstP99Us).toBeGreaterThan(500_000);
    expect(block!.worstP99Us).toBeGreaterThan(500_000);
    expect(kill!.disconnects['transport close']).toBeGreaterThan(0);
    expect(kill!.reconnects).toBeGreaterThan(0);
    const killedPid = Number(/pid (\d+)/.exec(result.faults![2]!.detail ?? '')?.[1]);
    expect(isAlive(killedPid)).toBe(false);
    expect(notices.some((n) => /fault: kill-node 2 at 6s: node 2 pid \d+ SIGKILL/.test(n))).toBe(true);
    expect(sum(kill!.disconnects)).toBeGreaterThan(0);
  }, 90_000);
});
