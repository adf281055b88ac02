import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../../src/contract/index.ts';
import { openProbe } from '../../src/checks/probe-client.ts';
import { runChecks, type CheckReport } from '../../src/checks/run-checks.ts';
import { ALL_CHECKS } from '../../src/checks/suite.ts';
import { startServeChild, type ChildServer } from './serve-child.ts';

/*
 * docs/contract.md §5 makes some acks optional (presence:heartbeat, the leaves). A server that
 * leaves them unanswered follows the contract, so the whole suite must pass against it: every
 * check proves that a socket is served with acks the contract requires.
 */

const failures = (report: CheckReport) =>
  report.checks.filter((c) => c.status === 'failed' || c.status === 'error').map((c) => `${c.id}: ${c.evidence.slice(0, 3).join(' | ')}`);

let server: ChildServer;
beforeAll(async () => {
  server = await startServeChild(['--minimal-acks']);
});
afterAll(() => server?.close());

describe('bazaar serve --minimal-acks', () => {
  it('answers the acks the contract requires and leaves the optional ones unanswered', async () => {
    const token = signToken({ sub: 'minimal-u1', role: 'buyer', secret: server.jwtSecret, ttlMs: 60_000 });
    const probe = await openProbe(server.url, 'minimal-u1@c1', { auth: { token } });
    try {
      expect((await probe.emitExpectingAnswer('read:mark', {}, 2_000)).kind).toBe('ack');
      expect(await probe.emitExpectingAnswer('listing:watch', 'l_nosuchlisting', 2_000)).toMatchObject({ kind: 'ack', ack: { ok: false, error: { code: 'not_found' } } });
      expect(await probe.emitExpectingAnswer('presence:heartbeat', undefined, 1_000)).toEqual({ kind: 'no answer' });
      expect(await probe.emitExpectingAnswer('listing:unwatch', 'l_nosuchlisting', 1_000)).toEqual({ kind: 'no answer' });
      // Still served after the unanswered ones.
      expect((await probe.ping(2_000)).kind).toBe('ack');
    } finally {
      probe.close();
    }
  });

  // It failed 5 checks before (robustness.*, presence.offline-once-after-ttl, presence.no-ghost,
  // authz.non-party-writes), each after a 5-60 s timeout on the heartbeat's ack.
  it('passes the whole suite, three runs in a row', async () => {
    for (let run = 1; run <= 3; run++) {
      const report = await runChecks({ target: server.url, jwtSecret: server.jwtSecret });
      expect(failures(report), `run ${run}`).toEqual([]);
      expect(report.checks).toHaveLength(ALL_CHECKS.length);
    }
  }, 180_000);
});
