import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecks, type CheckReport } from '../../src/checks/run-checks.ts';
import { startRun } from '../../src/engine/run.ts';
import { loadScenario } from '../../src/scenario/index.ts';
import { renderCheckJunit, renderCheckReport } from '../../src/report/checks.ts';
import profile from '../fixtures/dialects/chat.target.ts';
import { startChatServer, type ChatServer } from '../fixtures/dialects/chat-server.ts';
import { spawnCli } from '../run/cli-helpers.ts';

const PROFILE_FILE = new URL('../fixtures/dialects/chat.target.ts', import.meta.url).pathname;
const byId = (report: CheckReport, id: string) => report.checks.find((c) => c.id === id)!;
const statuses = (report: CheckReport, status: string) => report.checks.filter((c) => c.status === status).map((c) => c.id);

/*
 * The chat fixture speaks nothing of the contract (a login cookie, conversations, reply events,
 * no order key). Through its profile the shipped checks and scenarios run against it unchanged;
 * what it does not claim is not applicable, and its two authorization bugs are found.
 */
describe('a server of another dialect, through its target profile (chat fixture)', () => {
  let buggy: ChatServer;
  let fixed: ChatServer;
  beforeAll(async () => {
    [buggy, fixed] = await Promise.all([startChatServer({ buggy: true }), startChatServer({ buggy: false })]);
  });
  afterAll(async () => {
    await Promise.all([buggy?.close(), fixed?.close()]);
  });

  it('bazaar check finds both authorization bugs with evidence, and says what does not apply', async () => {
    const report = await runChecks({ target: buggy.url, profile });
    expect(report.profile).toBe('chat fixture');
    // A stranger who got in may also write there: the join bug shows in non-party writes too.
    expect(statuses(report, 'failed').sort()).toEqual(['authz.claimed-sender', 'authz.non-party-writes', 'authz.stranger-join']);
    expect(statuses(report, 'error')).toEqual([]);
    const stranger = byId(report, 'authz.stranger-join');
    expect(stranger.evidence.join('\n')).toMatch(/stranger\d+@c\d+ \(not a party\) joined booking conv-/);
    expect(stranger.evidence.join('\n')).toMatch(/\(not a party\) received message:new .* of booking conv-/);
    expect(byId(report, 'authz.claimed-sender').evidence.join('\n')).toMatch(/received message:new .* with senderId .*seller\d+: the server trusted the claimed sender/);
    expect(byId(report, 'delivery.every-member-socket').status).toBe('passed');
    // Claimed, so checked, through the profile's HTTP operation for history.
    expect(byId(report, 'delivery.in-history').status).toBe('passed');
    // Not claimed, so not applicable: never failed, never counted as passed.
    const order = byId(report, 'order.concurrent-senders');
    expect(order).toMatchObject({ status: 'not-applicable', reason: expect.stringMatching(/"chat fixture" does not claim ordering/) });
    expect(byId(report, 'auth.rejects-bad-claims').status).toBe('not-applicable');
    expect(byId(report, 'presence.no-ghost').status).toBe('not-applicable');
    expect(report.passed).toBe(false);

    const text = renderCheckReport(report);
    expect(text).toMatch(/order\.concurrent-senders .*· not applicable/);
    expect(text).toMatch(/\d+ passed, 3 failed, 0 skipped, \d+ not applicable/);
    expect(renderCheckJunit(report)).toMatch(/<skipped message="not applicable: the target profile &quot;chat fixture&quot; does not claim ordering/);
  });

  it('bazaar check passes the corrected variant, --fail-on-skip included (not applicable is not a skip)', async () => {
    const report = await runChecks({ target: fixed.url, profile, failOnSkip: true });
    expect(statuses(report, 'failed')).toEqual([]);
    expect(statuses(report, 'error')).toEqual([]);
    expect(statuses(report, 'passed').sort()).toEqual(expect.arrayContaining([
      'authz.claimed-sender', 'authz.non-party-writes', 'authz.stranger-join', 'delivery.every-member-socket', 'delivery.in-history',
      'reads.offline-sender-sees-history', 'reads.only-recipient-marks', 'reads.receipt-reaches-sender', 'reads.repeat-is-noop', 'typing.relay',
    ]));
    // The session is a cookie: the cross-site hijacking checks apply, and this variant checks Origin.
    expect(statuses(report, 'passed')).toEqual(expect.arrayContaining(['security.cswsh.foreign-origin', 'security.cswsh.cors-credentials', 'security.namespaces.unauthenticated']));
    expect(report.passed).toBe(true);
  });

  it('a claimed capability is held to: a history that keeps only the newest page fails delivery.in-history through the profile', async () => {
    const paged = await startChatServer({ buggy: false, historyPage: 50 });
    try {
      const report = await runChecks({ target: paged.url, profile, only: 'delivery.*' });
      const history = byId(report, 'delivery.in-history');
      expect(history.status).toBe('failed');
      expect(history.evidence.join('\n')).toMatch(/history of booking conv-\S+ \(read as \S+buyer\d+, 50 messages\) lacks 20 of 70 acked messages/);
      expect(byId(report, 'delivery.every-member-socket').status).toBe('passed');
    } finally {
      await paged.close();
    }
  });

  it('bazaar run plays a shipped scenario (booking-chat) through the profile: latency measured, kinds not claimed not checked', async () => {
    const result = await startRun({ scenario: 'booking-chat', profile, target: fixed.url, durationMs: 2_000, scale: 0.05, reportDir: false });
    const latency = (key: string) => result.metrics.latencies.find((l) => l.key.startsWith(key))?.summary.count ?? 0;
    expect(latency('ack{event:message:send}')).toBeGreaterThan(0);
    expect(latency('ack{event:booking:join}')).toBeGreaterThan(0);
    expect(latency('delivery{event:message:new')).toBeGreaterThan(0);
    expect(result.metrics.counters.filter((c) => c.name === 'errors')).toEqual([]);
    expect(result.violations.kinds).toEqual(['loss', 'reads']);
    expect(Object.keys(result.violations.notApplicable ?? {}).sort()).toEqual(['authz-leak', 'authz-write', 'order', 'presence', 'typing', 'versions']);
    expect(result.violations.total).toBe(0);
    expect(result.thresholdsPassed).toBe(true);
  });

  it('bazaar run finds lost deliveries through the profile as loss violations (a kind the profile\'s ownEcho allows)', async () => {
    const lossy = await startChatServer({ buggy: false, loseEvery: 5 });
    try {
      const shipped = await loadScenario('booking-chat');
      // Shipped iteration and load; only the delivery timeout shortened, so losses are judged within the run.
      const scenario = { ...shipped, name: 'booking-chat', options: { ...shipped.options, deliveryTimeout: '300ms' } };
      const result = await startRun({ scenario, profile, target: lossy.url, durationMs: 2_000, scale: 0.05, reportDir: false });
      expect(result.violations.counts.loss).toBeGreaterThan(0);
      expect(result.violations.evidence[0]).toMatchObject({ kind: 'loss', room: expect.stringMatching(/^booking:conv-/), observed: expect.stringMatching(/not received within 300 ms/) });
      expect(result.thresholdsPassed).toBe(false);
    } finally {
      await lossy.close();
    }
  });

  it('the CLI takes --profile on check and run, and exits by the verdict', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bazaar-chat-'));
    try {
      const check = await spawnCli(['check', '--profile', PROFILE_FILE, '--target', buggy.url, '--only', 'authz.*,order.*', '--report', dir]).exited;
      expect(check.code, check.stderr).toBe(3);
      expect(check.stdout).toMatch(/\(profile chat fixture\)/);
      expect(check.stdout).toMatch(/authz\.join-matrix .*· not applicable/);
      expect(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')).checks.map((c: { status: string }) => c.status)).toContain('not-applicable');
      const run = await spawnCli(['run', 'booking-chat', '--profile', PROFILE_FILE, '--target', fixed.url, '--duration', '2s', '--scale', '0.05', '--report', join(dir, 'run')]).exited;
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/ack\{event:message:send\}/);
      expect(run.stdout).toMatch(/checked: loss, reads; not applicable to this target: order, versions, presence, typing/);
      const result = JSON.parse(readFileSync(join(dir, 'run', 'result.json'), 'utf8'));
      expect(result.violations.kinds).toEqual(['loss', 'reads']);
      expect(result.profile).toBe('chat fixture');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
