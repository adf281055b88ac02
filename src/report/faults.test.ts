import { describe, expect, it } from 'vitest';
import type { FaultEvent, FaultImpact } from '../lab/faults/fault-impact.ts';
import { describeFaults } from './faults.ts';
import { renderTextTable } from './table.ts';

const event: FaultEvent = { kind: 'kill-node', label: 'kill-node 1 at 2s', atMs: 2_003, endMs: 2_003, applied: true, detail: 'node 1 pid 42 SIGKILL' };
const impact: FaultImpact = {
  label: 'kill-node 1 at 2s', atMs: 2_003, endMs: 2_003, windowEndMs: 9_000,
  violations: { loss: 3 }, disconnects: { 'transport close': 10 }, errors: {}, reconnects: 10, reconnectFailures: 0,
  deliveryTimeouts: 3, connectErrors: 0, baselineP99Us: 9_000, worstP99Us: 1_200_000, recovered: true, recoveredAtMs: 4_003, timeToRecoverMs: 2_000,
};

describe('describeFaults', () => {
  it('one row per fault: when, what was hit, what it cost, how long to recover', () => {
    const table = describeFaults([event], [impact])!;
    const text = renderTextTable(table).join('\n');
    expect(text).toMatch(/kill-node 1 at 2s .*instant .*node 1 pid 42 SIGKILL .*loss 3 .*transport close 10 .*10 .*9.00 ms → 1.20 s .*in 2.00 s/);
  });

  it('says when a fault could not be injected, and that a fault was not recovered from', () => {
    const failed: FaultEvent = { ...event, label: 'kill-node 2 at 5s', atMs: 5_000, applied: false, error: 'node 2 is not running' };
    const table = describeFaults([event, failed], [{ ...impact, recovered: false, recoveredAtMs: undefined, timeToRecoverMs: undefined }])!;
    expect(table.rows[0]!.at(-1)).toMatch(/^NOT before/);
    expect(table.rows[1]![3]).toBe('NOT INJECTED: node 2 is not running');
  });

  it('is absent without faults', () => {
    expect(describeFaults(undefined, undefined)).toBeUndefined();
    expect(describeFaults([], [])).toBeUndefined();
  });
});
