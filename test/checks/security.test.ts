import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFECTS } from '../../reference-server/index.ts';
import { abuseDefects } from '../../reference-server/defects/abuse-defects.ts';
import { runChecks, type CheckReport } from '../../src/checks/run-checks.ts';
import { ALL_CHECKS, CHECK_PRESETS, selectPreset } from '../../src/checks/suite.ts';
import profile from '../fixtures/dialects/rooms.target.ts';
import { startRoomsDialectServer, type RoomsDialectServer } from '../fixtures/dialects/rooms-dialect-server.ts';

// Issue 11: the security.* checks (injection, abuse limits, known CVE shapes). Each fails on its
// own deliberate defect with evidence while every other security check passes, and all pass on
// the correct servers, three runs in a row.

// The families proven here; security.tokens/cswsh/namespaces/recovery are in security-tokens-namespaces.test.ts.
const FAMILIES = ['security.injection.', 'security.abuse.', 'security.cve.'];
const SECURITY = FAMILIES.map((f) => `${f}*`).join(',');
const securityIds = ALL_CHECKS.filter((c) => FAMILIES.some((f) => c.id.startsWith(f))).map((c) => c.id);
const failedOf = (report: CheckReport) => report.checks.filter((c) => c.status === 'failed' || c.status === 'error');
const describeFailures = (report: CheckReport) => failedOf(report).map((c) => `${c.id}: ${c.evidence.slice(0, 2).join(' | ')}`);

/** Each security defect of the reference server and the one check it must fail, with what its evidence says. */
const PROOFS: [defect: string, check: string, evidence: RegExp][] = [
  ['trust-payload-user-id', 'security.injection.claimed-identity', /claiming userId .* the server took the acting user from the payload/],
  ['presence-reveals-users', 'security.injection.user-enumeration', /tells users that exist from ids that do not: .*forbidden.*not_found/],
  ['no-event-rate-limit', 'security.abuse.event-flood', /sent 3000 read:mark in 1000 ms and the server answered them all .* without a single rate_limited nor a disconnect/],
  ['no-room-limit', 'security.abuse.room-joins', /joined all 120 listing rooms it asked for on one socket, none refused/],
  ['max-buffer-raised', 'security.abuse.oversized-payloads', /message:send with a 2 MB body .* was read whole by the server/],
  ['slow-handshake', 'security.abuse.connection-flood', /a new user arriving during a flood of 150 connections .* waited .* to connect \(limit 1000 ms\)/],
  ['binary-event-metrics', 'security.cve.parser-packets', /after a binary event whose event name is (a placeholder|an object) \(CVE-2023-32695 \/ GHSA-cqmj-92xf-r6r9\) .* the server stopped answering/],
  ['host-check-assumes-header', 'security.cve.transport-requests', /after .*(without a Host header|headers before Host).* the server stopped answering/],
];

describe('security.* on the reference server', () => {
  it('has a defect for every security check, and every security defect is proven here', () => {
    expect(PROOFS.map(([, check]) => check).sort()).toEqual(securityIds.filter((id) => id !== 'security.injection.crafted-room-ids').sort());
    expect(PROOFS.map(([defect]) => defect).sort()).toEqual(abuseDefects.map((d) => d.name).sort());
  });

  it('passes every security check on the clean server, three runs in a row, with severity, fix hint and notes in the results', async () => {
    for (let run = 1; run <= 3; run++) {
      const report = await runChecks({ only: SECURITY });
      expect(describeFailures(report), `clean run ${run}`).toEqual([]);
      expect(report.checks.map((c) => c.id)).toEqual(securityIds);
      for (const c of report.checks) expect(c, c.id).toMatchObject({ status: 'passed', severity: expect.stringMatching(/^(critical|high|medium|low)$/), fixHint: expect.any(String) });
      // What a flood cost others is reported even when it passes.
      expect(report.checks.find((c) => c.id === 'security.abuse.event-flood')?.notes?.join('\n')).toMatch(/answers .*rate_limited.*\n.*cost to \S+, a bystander: round trip p50/);
    }
  }, 120_000);

  for (const [defect, check, evidence] of PROOFS) {
    it(`${defect}: ${check} fails with evidence, every other security check passes`, async () => {
      const report = await runChecks({ only: SECURITY, defect });
      const proof = report.checks.find((c) => c.id === check)!;
      expect(proof.status, describeFailures(report).join('\n')).toBe('failed');
      expect(proof.evidence.join('\n')).toMatch(evidence);
      // A defect that crashes the server leaves the checks after it no server to judge: they
      // run again on a fresh one with the same defect, where they must pass.
      const crashed = proof.evidence.some((line) => /the server stopped answering/.test(line));
      const after = report.checks.slice(report.checks.indexOf(proof) + 1);
      const others = report.checks.filter((c) => c !== proof && !(crashed && after.includes(c)));
      expect(others.filter((c) => c.status !== 'passed').map((c) => `${c.id} ${c.status}: ${c.evidence.slice(0, 2).join(' | ')}`)).toEqual([]);
      if (crashed && after.length > 0) {
        const rerun = await runChecks({ only: after.map((c) => c.id).join(','), defect });
        expect(describeFailures(rerun), `after a fresh start with ${defect}`).toEqual([]);
      }
    }, 60_000);
  }
});

describe('security.injection.crafted-room-ids through a profile (the rooms dialect fixture)', () => {
  let adHoc: RoomsDialectServer;
  let corrected: RoomsDialectServer;
  beforeAll(async () => {
    [adHoc, corrected] = await Promise.all([startRoomsDialectServer({ corrected: true }), startRoomsDialectServer({ corrected: true })]);
    // Only the crafted-id bug: unknown ids are ad-hoc rooms, joined lower-cased.
    adHoc.bugs.adHocRooms = true;
  });
  afterAll(async () => {
    await Promise.all([adHoc.close(), corrected.close()]);
  });

  it('fails on ad-hoc case-insensitive rooms with the crafted id that got in, and no other security check fails', async () => {
    const report = await runChecks({ target: adHoc.url, profile, only: SECURITY });
    expect(failedOf(report).map((c) => c.id), describeFailures(report).join('\n')).toEqual(['security.injection.crafted-room-ids']);
    expect(failedOf(report)[0]!.evidence.join('\n')).toMatch(/stranger\S* \(not a party\) received message:new .* after joining crafted ids; joins answered ok: the id upper-cased "R-/);
  }, 30_000);

  it('passes on the corrected fixture, three runs in a row; contract-wire checks are not applicable', async () => {
    for (let run = 1; run <= 3; run++) {
      const report = await runChecks({ target: corrected.url, profile, only: SECURITY });
      expect(describeFailures(report), `run ${run}`).toEqual([]);
      expect(report.checks.find((c) => c.id === 'security.injection.crafted-room-ids')?.status).toBe('passed');
      expect(report.checks.find((c) => c.id === 'security.abuse.event-flood')?.status).toBe('not-applicable');
    }
  }, 60_000);
});

describe('the security preset', () => {
  it('selects every check of auth, authz, robustness, recovery and security, and nothing else', () => {
    const groups = ['auth', 'authz', 'robustness', 'recovery', 'security'];
    const expected = ALL_CHECKS.filter((c) => groups.includes(c.id.split('.')[0]!)).map((c) => c.id);
    expect(selectPreset('security').map((c) => c.id)).toEqual(expected);
    expect(CHECK_PRESETS.security).toBe('auth.*,authz.*,robustness.*,recovery.*,security.*');
  });

  it('is narrowed by --only, and an unknown preset says which exist', () => {
    expect(selectPreset('security', 'security.cve.*').map((c) => c.id)).toEqual(['security.cve.parser-packets', 'security.cve.transport-requests']);
    expect(selectPreset('security', 'order.*')).toEqual([]);
    expect(() => selectPreset('paranoid')).toThrow(/unknown preset "paranoid"/);
  });
});
