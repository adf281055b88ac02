import { afterAll, describe, expect, it } from 'vitest';
import { runChecks, type CheckReport } from '../../src/checks/run-checks.ts';
import { startServeChild, type ChildServer } from './serve-child.ts';

/*
 * recovery.session-handover (issue 12 item 14): it passes on the reference server with
 * connection state recovery (the embedded one, in memory), is skipped with its reason where the
 * target has none, and fails, with the raw frames as evidence, on the server that writes a
 * restored session's missed packets before its handshake has re-authorized the socket.
 */

const servers: ChildServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

const only = (report: CheckReport) => {
  expect(report.checks.map((c) => c.id)).toEqual(['recovery.session-handover']);
  return report.checks[0]!;
};

describe('recovery.session-handover', () => {
  it('passes on the embedded reference server, which recovers sessions in memory', async () => {
    const check = only(await runChecks({ only: 'recovery.*' }));
    expect(check.evidence).toEqual([]);
    expect(check.status).toBe('passed');
  }, 30_000);

  it('is skipped, saying why, on a target without connection state recovery', async () => {
    const server = await startServeChild();
    servers.push(server);
    const check = only(await runChecks({ only: 'recovery.*', target: server.url, jwtSecret: server.jwtSecret }));
    expect(check.status).toBe('skipped');
    expect(check.evidence).toEqual([expect.stringMatching(/^the target has no connection state recovery: its CONNECT answer carries no pid \(40\{"sid":/)]);
  }, 30_000);

  it('fails on recovery-replay-before-auth, with the frames the other user received before its refusal', async () => {
    const report = await runChecks({ only: 'recovery.*', defect: 'recovery-replay-before-auth' });
    const check = only(report);
    expect(check.status).toBe('failed');
    expect(check.guarantee).toMatch(/§1 Identity/);
    // The other user's wire: the owner's missed message, then the refusal the client library
    // shows; and the owner, connected meanwhile, lost its room to that refused socket's cleanup.
    expect(check.evidence).toEqual(expect.arrayContaining([
      expect.stringMatching(/^\S+-intruder1@raw3 presented \S+-owner1's session \(pid \S+, offset \S+\) with a valid token of its own; the server answered 44\{"message":"unauthorized"\}, and its wire carried \S+-owner1's message:new: 42\["message:new",\{"id":"[^"]+","bookingId":"[^"]+","seq":2,.*"body":"recovery check: missed by the owner"/),
      expect.stringMatching(/^\S+-intruder1@raw3 presented .* while \S+-owner1 was connected as \S+-owner1@raw2; afterwards \S+-owner1@raw2 did not receive message \S+ of its booking \S+ within 5000 ms/),
    ]));
  }, 30_000);
});
