import { afterAll, describe, expect, it } from 'vitest';
import { runChecks } from '../../src/checks/run-checks.ts';
import { startServeChild, type ChildServer } from './serve-child.ts';

/*
 * auth.disconnect-at-expiry against a target whose clock is a few seconds off: the expiring
 * token is minted on the server's clock, read from its HTTP Date header. The server process
 * runs with its clock shifted by a preload (Date and the Date header; timers untouched).
 */

const PRELOAD = new URL('../helpers/clock-skew-preload.ts', import.meta.url).pathname;
const servers: ChildServer[] = [];
afterAll(() => Promise.all(servers.map((s) => s.close())));

async function skewedServer(skewMs: number): Promise<ChildServer> {
  const server = await startServeChild([], 'check-secret', { nodeArgs: ['--import', PRELOAD], env: { BAZAAR_TEST_CLOCK_SKEW_MS: String(skewMs) } });
  servers.push(server);
  return server;
}

describe('auth.disconnect-at-expiry with the target clock off', () => {
  it.each([
    ['4 s behind', -4_000],
    ['4 s ahead', 4_000],
  ])('passes against a server %s', async (_label, skewMs) => {
    const server = await skewedServer(skewMs);
    // The preload took: the server's Date header is off by about the skew.
    const res = await fetch(`${server.url}/healthz`);
    await res.arrayBuffer();
    expect(Math.abs(Date.parse(res.headers.get('date')!) - Date.now() - skewMs)).toBeLessThan(1_500);

    const report = await runChecks({ target: server.url, jwtSecret: server.jwtSecret, only: 'auth.disconnect-at-expiry' });
    const result = report.checks[0]!;
    expect(result.evidence).toEqual([]);
    expect(result.status).toBe('passed');
  }, 40_000);

  it('still fails a skewed server that never disconnects at expiry (defect no-expiry-disconnect)', async () => {
    const server = await startServeChild(['--defect', 'no-expiry-disconnect'], 'check-secret', {
      nodeArgs: ['--import', PRELOAD],
      env: { BAZAAR_TEST_CLOCK_SKEW_MS: '-4000' },
    });
    servers.push(server);
    const report = await runChecks({ target: server.url, jwtSecret: server.jwtSecret, only: 'auth.disconnect-at-expiry' });
    expect(report.checks[0]!.status).toBe('failed');
    expect(report.checks[0]!.evidence.join('\n')).toMatch(/was still connected \d+ ms after exp/);
  }, 40_000);
});
