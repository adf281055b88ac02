import { describe, expect, it } from 'vitest';
import { startRun } from '../../src/engine/run.ts';
import checkedMix from './fixtures/checked-mix.ts';

// Issue 15 §3: the lean client drives the same scenario API. Shipped scenarios run through it
// against the embedded reference server with no failure and no violation, and online checking
// still sees what it receives (a defect's violations are found through it).

/** Counters that say something was lost or failed: none may fire against the reference server. */
const FAILURE_COUNTERS = ['errors', 'ack_timeouts', 'expect_timeouts', 'connect_errors', 'connect_timeouts', 'reconnect_failures', 'delivery_timeouts'];

describe('--client lean', () => {
  it.each(['smoke', 'booking-chat', 'presence-churn'])('runs %s with no failure and no violation', async (scenario) => {
    const result = await startRun({ scenario, client: 'lean', durationMs: 3_000, scale: 0.1, reportDir: false });
    const failures = result.metrics.counters.filter((c) => FAILURE_COUNTERS.includes(c.name));
    expect(failures, JSON.stringify(failures)).toEqual([]);
    expect(result.violations).toMatchObject({ checked: true, total: 0 });
    expect(result.metrics.counters.filter((c) => c.name === 'iterations').reduce((sum, c) => sum + c.value, 0)).toBeGreaterThan(0);
    expect(result.metrics.latencies.some((l) => l.name === 'connect' && l.summary.count > 0)).toBe(true);
    expect(result.conditions.client).toBe('lean');
    expect(result.status).toBe('passed');
  }, 60_000);

  it('delivers fan-out and finds a defect\'s violations, as the default client does', async () => {
    const correct = await startRun({ scenario: checkedMix, client: 'lean', reportDir: false });
    const delivered = correct.metrics.latencies.filter((l) => l.name === 'delivery').map((l) => l.tags.event);
    expect(delivered).toEqual(expect.arrayContaining(['message:new', 'listing:priceChanged', 'booking:statusChanged']));
    expect(correct.violations.total).toBe(0);
    const defective = await startRun({ scenario: checkedMix, client: 'lean', defect: 'async-persist-reorder', reportDir: false });
    expect(Object.keys(defective.violations.counts)).toEqual(['order']);
    expect(defective.status).toBe('thresholds_failed');
  }, 90_000);

  it('refuses a transport other than WebSocket before any load, saying what to do', async () => {
    await expect(startRun({ scenario: 'smoke', client: 'lean', transport: 'polling', reportDir: false })).rejects.toMatchObject({
      code: 'BAZAAR_BAD_OPTIONS',
      message: expect.stringMatching(/lean client speaks WebSocket only/),
      hint: expect.stringMatching(/--client socket.io-client/),
    });
  });

  it("takes the client from the scenario's options, and a bad name is a clear error", async () => {
    const smoke = (await import('../../scenarios/smoke.ts')).default;
    const result = await startRun({ scenario: { ...smoke, options: { ...smoke.options, client: 'lean' } }, durationMs: 1_000, reportDir: false });
    expect(result.conditions.client).toBe('lean');
    await expect(startRun({ scenario: { ...smoke, options: { client: 'tiny' as 'lean' } }, reportDir: false })).rejects.toMatchObject({
      code: 'BAZAAR_BAD_OPTIONS',
      message: 'unknown client "tiny"',
    });
  }, 60_000);
});
