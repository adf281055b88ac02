import { afterAll, describe, expect, it } from 'vitest';
import { startReferenceServer, type ReferenceServer } from '../../reference-server/index.ts';
import { runChecks, type CheckReport } from '../../src/checks/run-checks.ts';

/*
 * A `notification` goes to `user:{userId}`, and the contract says who must be notified, not that
 * nobody else may be. authz.join-matrix attributes a receipt to the room it came through (another
 * connection of the same user that joined nothing tells what came through the user's own room),
 * so a server that also tells the buyer is no leak, and the seller's notification arriving
 * through a room a socket joined still is.
 */

const servers: ReferenceServer[] = [];
afterAll(() => Promise.all(servers.map((s) => s.close())));

const failing = (report: CheckReport) => report.checks.filter((c) => c.status === 'failed' || c.status === 'error');

describe('authz: a notification is attributed to the room it came through', () => {
  it('a server that also notifies the buyer of its booking (variant notify-buyer) passes every authz check', async () => {
    const server = await startReferenceServer({ variant: 'notify-buyer', metricsPort: false, presenceTtlMs: 2_000, presenceSweepMs: 200 });
    servers.push(server);
    const report = await runChecks({ target: server.url, jwtSecret: server.jwtSecret, only: 'authz.*' });
    expect(failing(report).map((c) => `${c.id}: ${c.evidence.join(' | ')}`)).toEqual([]);
  }, 60_000);

  it('the seller\'s notification sent to the listing room (defect booking-notice-to-listing-room) fails authz.join-matrix as a user-room leak', async () => {
    const report = await runChecks({ only: 'authz.*', defect: 'booking-notice-to-listing-room' });
    expect(failing(report).map((c) => c.id)).toEqual(['authz.join-matrix']);
    const evidence = report.checks.find((c) => c.id === 'authz.join-matrix')!.evidence;
    expect(evidence.length).toBeGreaterThan(0);
    for (const line of evidence) {
      expect(line).toMatch(
        /^\S+-(booker|stranger|admin)\d+@c\d+ \(.+\) received notification \{"type":"booking:requested","bookingId":"b_[^"]+".* of user room of \S+-owner\d+, which it may not join; \S+@c\d+, another connection of the same user that joined nothing, did not get it, so it came through a room \S+@c\d+ joined$/,
      );
    }
  }, 60_000);
});
