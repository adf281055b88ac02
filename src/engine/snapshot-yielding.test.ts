import { describe, expect, it } from 'vitest';
import { createMetricsRegistry } from '../metrics/index.ts';
import { nowUs } from '../client/clock.ts';
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

  it('starts no step just before an arrival is due: the arrival goes first', async () => {
    const metrics = createMetricsRegistry();
    for (let i = 0; i < 3; i++) metrics.latency('ack', { event: `e${i}` }).recordValueUs(100 + i);
    const dueUs = nowUs() + 1_500;
    let stepsBeforeDue = 0;
    const snapshot = await snapshotYielding(metrics, {
      nextDueUs() {
        // Asked before each step: count the steps that would start before the arrival.
        if (nowUs() < dueUs) stepsBeforeDue++;
        return nowUs() < dueUs ? dueUs : undefined;
      },
    });
    expect(stepsBeforeDue).toBe(1); // asked once, told to wait, then every step came after
    expect(snapshot).toEqual(metrics.snapshot());
  });

  it('does not wait for ever when arrivals never leave a gap', async () => {
    const metrics = createMetricsRegistry();
    metrics.latency('ack').recordValueUs(100);
    // An arrival always due within the guard: the report still gets written.
    const snapshot = await snapshotYielding(metrics, { nextDueUs: () => nowUs() + 500 });
    expect(snapshot).toEqual(metrics.snapshot());
  });
});
