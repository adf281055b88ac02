import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRun } from '../../src/engine/run.ts';
import { startEmbeddedServer, type EmbeddedServer } from '../../src/lab/embedded-server.ts';
import { watchLeaks } from '../helpers/leaks.ts';
import { faultChat } from './fixtures/fault-chat.ts';

// Issue 9: the faults on the client side, through the fault proxy in front of the entry: on the
// embedded server bazaar starts, and against an external --target (where they are the only
// ones that apply).

describe('client-side faults', () => {
  it('half-open entry: nothing arrives, then every connection is cut and comes back; slow consumers: their deliveries wait', async () => {
    // Declared in the scenario this time (the `faults` field), and checked for leaks: the proxy,
    // its timers and the injector's are all gone once the run resolves.
    const { result, pendingTimers, leakedHandles } = await watchLeaks(() => startRun({
      scenario: {
        ...faultChat('9s'),
        faults: [{ at: '2s', for: '1500ms', kind: 'half-open', link: 'entry' }, { at: '5s', for: '1500ms', kind: 'slow-consumers', share: '50%' }],
      },
      reportDir: false,
    }));
    expect(pendingTimers).toEqual([]);
    expect(leakedHandles).toEqual([]);
    expect(result.faults?.map((f) => f.applied)).toEqual([true, true]);
    const [halfOpen, slow] = result.faultImpact ?? [];
    // The clients never learn on their own (the ping interval is 25 s): the cut at the end does it.
    expect(halfOpen!.disconnects['transport close']).toBeGreaterThan(0);
    expect(halfOpen!.reconnects).toBeGreaterThan(0);
    expect(halfOpen!.errors.ack_timeout).toBeGreaterThan(0);
    const [, affected, open] = /^(\d+) of (\d+) client connections stopped reading$/.exec(result.faults![1]!.detail ?? '') ?? [];
    expect(Number(affected)).toBeGreaterThan(0);
    expect(Number(affected)).toBeLessThan(Number(open));
    expect(slow!.worstP99Us).toBeGreaterThan(1_000_000);
    for (const impact of [halfOpen!, slow!]) expect(impact.recovered, JSON.stringify(impact)).toBe(true);
  }, 90_000);

  describe('against --target', () => {
    let server: EmbeddedServer;
    beforeAll(async () => {
      server = await startEmbeddedServer();
    });
    afterAll(async () => {
      await server?.close();
    });

    it('latency and bandwidth on the entry link apply, and show in delivery', async () => {
      const result = await startRun({
        scenario: faultChat('7s'),
        target: server.url,
        jwtSecret: server.jwtSecret,
        faults: ['latency entry 300ms at 1500ms for 1s', 'bandwidth entry 1kB/s at 4s for 1s'],
        reportDir: false,
      });
      // The report names the server measured; the clients went through the proxy in front of it.
      expect(result.target).toBe(server.url);
      expect(result.faults![0]!.detail).toMatch(/^[1-9]\d* connections on the entry link$/);
      expect(result.conditions.faults).toEqual(['latency entry 300ms at 1500ms for 1s', 'bandwidth entry 1000B/s at 4s for 1s']);
      const [latency, bandwidth] = result.faultImpact ?? [];
      expect(latency!.worstP99Us).toBeGreaterThan(300_000);
      expect(bandwidth!.worstP99Us).toBeGreaterThan(2 * bandwidth!.baselineP99Us!);
      expect(latency!.recovered).toBe(true);
    }, 60_000);

    it('refuses a server-side fault before any load, saying which ones apply', async () => {
      await expect(startRun({ scenario: faultChat('7s'), target: server.url, jwtSecret: server.jwtSecret, faults: ['kill-node 1 at 1s'], reportDir: false }))
        .rejects.toMatchObject({ code: 'BAZAAR_FAULT_NEEDS_LAB', hint: expect.stringMatching(/only slow-consumers and network faults on the entry link/) });
    });
  });
});
