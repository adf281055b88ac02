import { describe, expect, it } from 'vitest';
import { createMetricsRegistry } from '../metrics/index.ts';
import { snapshotYielding } from './snapshot-yielding.ts';

describe('snapshotYielding', () => {
  it('lets the event loop run between series, and gives what snapshot() gives', async () => {
    const metrics = createMetricsRegistry();
    for (let i = 0; i < 6; i++) metrics.latency('ack', { event: `e${i}` }).recordValueUs(100 + i);
    metrics.counter('iterations').add(3);
    // Something else that wants the loop while the snapshot is taken: it must get turns in between.
    let turns = 0;
    let spinning = true;
    const spin = () => {
      turns++;
      if (spinning) setImmediate(spin);
    };
    setImmediate(spin);
    const snapshot = await snapshotYielding(metrics);
    spinning = false;
    expect(turns).toBeGreaterThanOrEqual(6);
    expect(snapshot).toEqual(metrics.snapshot());
  });

  it('takes no turn at all for series nothing was recorded in since the last snapshot', async () => {
    const metrics = createMetricsRegistry();
    for (let i = 0; i < 6; i++) metrics.latency('ack', { event: `e${i}` }).recordValueUs(100 + i);
    await snapshotYielding(metrics);
    let turns = 0;
    setImmediate(() => turns++);
    await snapshotYielding(metrics);
    expect(turns).toBe(0);
  });
});
