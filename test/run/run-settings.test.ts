import { describe, expect, it } from 'vitest';
import { startRun } from '../../src/engine/run.ts';
import { defineScenario } from '../../src/index.ts';

// Settings that shape the run's users and cluster are checked before anything starts (no
// server, no connection): a bad value is the person's to fix first.

const withReconnection = (reconnection: { delay?: string; delayMax?: string; randomizationFactor?: number }) =>
  defineScenario({
    name: 'reconnection-settings',
    options: { reconnection },
    executor: { type: 'per-vu-iterations', vus: 1, iterations: 1 },
    async iteration() {},
  });

describe('options.reconnection', () => {
  it('refuses a randomizationFactor outside 0..1', async () => {
    await expect(startRun({ scenario: withReconnection({ randomizationFactor: 2 }), reportDir: false }))
      .rejects.toMatchObject({ code: 'BAZAAR_BAD_SCENARIO', message: expect.stringMatching(/randomizationFactor is 2/) });
  });

  it('refuses a delayMax below the delay', async () => {
    await expect(startRun({ scenario: withReconnection({ delay: '5s', delayMax: '2s' }), reportDir: false }))
      .rejects.toMatchObject({ code: 'BAZAAR_BAD_SCENARIO', message: expect.stringMatching(/delayMax \(2000 ms\) is below delay \(5000 ms\)/) });
  });

  it('refuses a delay that is not a duration', async () => {
    await expect(startRun({ scenario: withReconnection({ delay: 'soon' }), reportDir: false })).rejects.toMatchObject({ code: 'BAZAAR_BAD_DURATION' });
  });
});

describe('cluster settings', () => {
  it('apply to a cluster the run starts: refused for one node or a target', async () => {
    const scenario = withReconnection({});
    await expect(startRun({ scenario, cluster: { pingIntervalMs: 1_000 }, reportDir: false })).rejects.toMatchObject({ code: 'BAZAAR_BAD_OPTIONS' });
    await expect(startRun({ scenario, target: 'http://127.0.0.1:1', jwtSecret: 's', nodes: 3, cluster: { lb: 'none' }, reportDir: false }))
      .rejects.toMatchObject({ code: 'BAZAAR_BAD_OPTIONS' });
  });
});
