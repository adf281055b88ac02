import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runChecks, type CheckReport } from '../../src/checks/run-checks.ts';
import { startServeChild, type ChildServer } from './serve-child.ts';

/*
 * The auth, authz and robustness checks pass on the clean reference server and each fails, with
 * evidence that says what was sent and what was observed, on the server started with the defect
 * meant for it. Defects that crash the process run in a child process.
 */

const MY_GROUPS = 'auth.*,authz.*,robustness.*';

const servers: ChildServer[] = [];
const tmpDirs: string[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  for (const dir of tmpDirs) rmSync(dir, { recursive: true, force: true });
});

const failing = (report: CheckReport) => report.checks.filter((c) => c.status === 'failed' || c.status === 'error');
const describeFailures = (report: CheckReport) => failing(report).map((c) => `${c.id}: ${c.evidence.join(' | ')}`);

async function child(args: string[] = []): Promise<ChildServer> {
  const server = await startServeChild(args);
  servers.push(server);
  return server;
}

describe('on the clean reference server', () => {
  it('every auth, authz and robustness check passes (none skipped: the embedded secret is known)', async () => {
    const report = await runChecks({ only: MY_GROUPS });
    expect(describeFailures(report)).toEqual([]);
    expect(report.checks.map((c) => c.id)).toEqual([
      'auth.rejects-unsigned-tokens',
      'auth.rejects-bad-claims',
      'auth.query-string-token',
      'auth.disconnect-at-expiry',
      'authz.join-matrix',
      'authz.hostile-join-payloads',
      'authz.non-party-writes',
      'authz.stranger-join',
      'authz.claimed-sender',
      'robustness.hostile-payloads',
      'robustness.odd-events-and-frames',
    ]);
    expect(report.checks.every((c) => c.status === 'passed')).toBe(true);
  }, 60_000);

  it('against a token-module target, the checks that forge tokens are skipped and the rest pass', async () => {
    const server = await child();
    const dir = mkdtempSync(join(tmpdir(), 'bazaar-token-module-'));
    tmpDirs.push(dir);
    const module = join(dir, 'token.mjs');
    // A login of the server's own: the check cannot forge, only ask for tokens.
    writeFileSync(module, `
      import { createHmac } from 'node:crypto';
      const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
      export default function token(sub, role) {
        const now = Math.floor(Date.now() / 1000);
        const input = b64({ alg: 'HS256', typ: 'JWT' }) + '.' + b64({ sub, role, iat: now, exp: now + 3600 });
        return input + '.' + createHmac('sha256', ${JSON.stringify(server.jwtSecret)}).update(input).digest('base64url');
      }
    `);
    const report = await runChecks({ only: 'auth.*', target: server.url, tokenModule: module });
    expect(describeFailures(report)).toEqual([]);
    const skipped = report.checks.filter((c) => c.status === 'skipped');
    expect(skipped.map((c) => c.id)).toEqual(['auth.rejects-bad-claims', 'auth.disconnect-at-expiry']);
    for (const c of skipped) expect(c.evidence).toEqual(['needs --jwt-secret to forge tokens']);
  }, 60_000);
});

/** Each defect, the one check meant for it, and what its evidence must say. */
const IN_PROCESS: { defect: string; group: string; check: string; evidence: RegExp; guarantee: RegExp; alsoFails?: string[] }[] = [
  {
    defect: 'alg-none-accepted',
    group: 'auth',
    check: 'auth.rejects-unsigned-tokens',
    evidence: /^handshake with a token with alg "none" and no signature \(auth\.token eyJ.*\) was accepted: \S+-forged@c\d+ connected/,
    guarantee: /§1 Identity/,
  },
  {
    defect: 'exp-optional',
    group: 'auth',
    check: 'auth.rejects-bad-claims',
    evidence: /^handshake with a token without exp \(auth\.token eyJ.*\) was accepted: \S+@c\d+ connected/,
    guarantee: /§1 Identity: HS256 only; sub, role, exp required/,
  },
  {
    defect: 'query-token',
    group: 'auth',
    check: 'auth.query-string-token',
    evidence: /^handshake with no auth\.token and a valid token in the query string \(\?token=\.\.\.\) was accepted: \S+-query@c\d+ connected$/,
    guarantee: /§1 Identity: a token in the query string is not accepted/,
  },
  {
    defect: 'no-expiry-disconnect',
    group: 'auth',
    check: 'auth.disconnect-at-expiry',
    evidence: /^\S+@c\d+ connected with a token of exp \d+ \(.+Z server time; server clock [+-]\d+ ± \d+ ms against ours, from its Date header\) was still connected \d+ ms after exp \(read:mark \{\} \(its ack is required\) then answered \{"ok":false,"error":\{"code":"bad_request".*\}\)$/,
    guarantee: /§1 Identity: a socket does not outlive its token/,
  },
  {
    defect: 'booking-join-no-party-check',
    group: 'authz',
    check: 'authz.join-matrix',
    // The same bug, seen by the dialect-neutral check of a stranger's join (src/checks/groups/authz-parties.ts).
    alsoFails: ['authz.stranger-join'],
    evidence: /^\S+-stranger\d+@c\d+ \(stranger buyer\) received booking:statusChanged \{"bookingId":"b_[^"]+".* of booking b_\S+, which it may not join; its booking:join b_\S+ was answered \{"ok":true\}$/,
    guarantee: /§4 Rooms and who may join; §6\.7 Authorization/,
  },
  {
    defect: 'join-first-element',
    group: 'authz',
    check: 'authz.hostile-join-payloads',
    evidence: /^\S+-hostile\d+@c\d+ sent only malformed listing:watch payloads and received listing:priceChanged \{"listingId":"l_[^"]+".* of listing l_\S+; payloads answered ok: an array mixing an allowed and a forbidden id \(allowed first\) \["l_[^"]+","l_[^"]+"\] → \{"ok":true\}/,
    guarantee: /§6\.7 Authorization: no socket receives an event of a room it may not join/,
  },
  {
    defect: 'admin-writes-as-party',
    group: 'authz',
    check: 'authz.non-party-writes',
    evidence: /^\S+-seller\d+@c\d+ received message:new \{"id":"m_.*: a message from non-party \S+-admin\d+$/,
    guarantee: /§6\.7 Authorization: no write from a non-party has any effect/,
  },
];

describe('each defect fails the check meant for it, with evidence, and no other check of its group', () => {
  it.each(IN_PROCESS)('$defect fails $check', async ({ defect, group, check, evidence, guarantee, alsoFails }) => {
    const report = await runChecks({ only: `${group}.*`, defect });
    expect(failing(report).map((c) => c.id)).toEqual([check, ...(alsoFails ?? [])]);
    const result = report.checks.find((c) => c.id === check)!;
    expect(result.status).toBe('failed');
    expect(result.guarantee).toMatch(guarantee);
    expect(result.evidence.length).toBeGreaterThan(0);
    expect(result.evidence.some((line) => evidence.test(line)), result.evidence.join('\n')).toBe(true);
  }, 60_000);
});

describe('defects that crash the process (run in a child process)', () => {
  it('crash-on-object-payload: robustness.hostile-payloads names the payload that killed the server', async () => {
    const server = await child(['--defect', 'crash-on-object-payload']);
    const report = await runChecks({ only: 'robustness.*', target: server.url, jwtSecret: server.jwtSecret });
    const result = report.checks.find((c) => c.id === 'robustness.hostile-payloads')!;
    expect(result.status).toBe('failed');
    expect(result.guarantee).toMatch(/§6\.8 Robustness/);
    expect(result.evidence).toEqual([
      expect.stringMatching(/^after booking:leave with an object \{"id":"x","nested":\{"a":\[1,2\]\}\} from \S+-hostile\d+@c\d+ \((after )?which (the socket was disconnected|disconnected the socket): transport close\) the server stopped answering: \/healthz did not answer/),
    ]);
    // Everything after it in the group finds the server gone, and says so.
    expect(report.checks.find((c) => c.id === 'robustness.odd-events-and-frames')!.status).toBe('failed');
    await expect.poll(() => server.crashed(), { timeout: 5_000 }).toBe(true);
  }, 60_000);

  it('crash-on-unknown-event: robustness.odd-events-and-frames names the event that killed the server; hostile payloads of known events pass', async () => {
    const server = await child(['--defect', 'crash-on-unknown-event']);
    const report = await runChecks({ only: 'robustness.*', target: server.url, jwtSecret: server.jwtSecret });
    expect(report.checks.find((c) => c.id === 'robustness.hostile-payloads')!.status).toBe('passed');
    const result = report.checks.find((c) => c.id === 'robustness.odd-events-and-frames')!;
    expect(result.status).toBe('failed');
    expect(result.guarantee).toMatch(/§6\.8 Robustness: no frame or event name crashes the server/);
    expect(result.evidence).toEqual([
      expect.stringMatching(/^after event "nope" with no payload from \S+-odd\d+@c\d+ \(after which the socket was disconnected: transport close\) the server stopped answering: \/healthz did not answer/),
    ]);
    await expect.poll(() => server.crashed(), { timeout: 5_000 }).toBe(true);
  }, 60_000);
});
