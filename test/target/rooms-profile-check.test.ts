import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { memoryIo } from '../helpers/cli-io.ts';
import { startRoomsDialectServer, type RoomsDialectServer } from '../fixtures/dialects/rooms-dialect-server.ts';

// Issue 13 §3: `bazaar check --profile` holds a server of another dialect (the rooms fixture:
// token in the query, client-chosen room ids, no order key, no presence) to what it really
// does: its two authorization bugs found with evidence, its corrected variant passing, and
// what it does not claim shown not-applicable, never failed nor passed.

const PROFILE = 'test/fixtures/dialects/rooms.target.ts';
let buggy: RoomsDialectServer;
let corrected: RoomsDialectServer;
const dir = mkdtempSync(join(tmpdir(), 'bazaar-rooms-'));
beforeAll(async () => {
  [buggy, corrected] = await Promise.all([startRoomsDialectServer(), startRoomsDialectServer({ corrected: true })]);
});
afterAll(async () => {
  await Promise.all([buggy.close(), corrected.close()]);
  rmSync(dir, { recursive: true, force: true });
});

async function check(url: string, name: string) {
  const io = memoryIo();
  const report = join(dir, name);
  const code = await runCli(['check', '--target', url, '--profile', PROFILE, '--report', report], io);
  const json = JSON.parse(readFileSync(join(report, 'report.json'), 'utf8')) as { checks: { id: string; status: string; evidence: string[]; reason?: string }[] };
  const byId = (id: string) => json.checks.find((c) => c.id === id)!;
  return { code, stdout: io.stdout.join('\n'), byId, checks: json.checks };
}

describe('bazaar check --profile on the rooms dialect', () => {
  it('finds both authorization bugs with evidence, and exits 3', async () => {
    const { code, byId } = await check(buggy.url, 'buggy');
    expect(code).toBe(3);
    expect(byId('authz.stranger-join')).toMatchObject({ status: 'failed' });
    expect(byId('authz.stranger-join').evidence.join('\n')).toMatch(/stranger\S* \(not a party\) joined booking r-\S+ .*booking:join answered \{"ok":true\}/);
    expect(byId('authz.stranger-join').evidence.join('\n')).toMatch(/stranger\S* \(not a party\) received message:new/);
    expect(byId('authz.claimed-sender')).toMatchObject({ status: 'failed' });
    expect(byId('authz.claimed-sender').evidence.join('\n')).toMatch(/claiming senderId \S*seller\S*; .* with senderId \S*seller\S*: the server trusted the claimed sender/);
  });

  it('passes the corrected variant: exit 0', async () => {
    const { code, byId, checks } = await check(corrected.url, 'corrected');
    expect(code).toBe(0);
    expect(byId('authz.stranger-join').status).toBe('passed');
    expect(byId('authz.claimed-sender').status).toBe('passed');
    expect(byId('delivery.every-member-socket').status).toBe('passed');
    expect(checks.filter((c) => c.status !== 'passed' && c.status !== 'not-applicable')).toEqual([]);
  });

  it('shows what the app does not claim (order key, presence) as not applicable, with the reason', async () => {
    const { byId, stdout } = await check(corrected.url, 'capabilities');
    expect(byId('order.concurrent-senders')).toMatchObject({ status: 'not-applicable', reason: expect.stringMatching(/does not claim ordering/) });
    for (const id of ['presence.no-ghost', 'presence.no-flicker-on-reconnect']) {
      expect(byId(id)).toMatchObject({ status: 'not-applicable', reason: expect.stringMatching(/does not claim presence/) });
    }
    expect(stdout).toMatch(/order\.concurrent-senders +.*not applicable/);
    // No presence timing is printed for an app that claims no presence: it would be made up.
    expect(stdout).not.toMatch(/^presence: ttl/m);
  });
});

describe('bazaar run --profile on the rooms dialect', () => {
  it('plays a shipped scenario (booking-chat): latency measured, order not checked (no order key), no violations on the corrected variant', async () => {
    const io = { ...memoryIo(), logger: () => pino({ level: 'silent' }) };
    const report = join(dir, 'run');
    const code = await runCli(['run', 'booking-chat', '--profile', PROFILE, '--target', corrected.url, '--duration', '2s', '--scale', '0.05', '--report', report, '--no-progress'], io);
    expect(code, io.stderr.join('\n')).toBe(0);
    const result = JSON.parse(readFileSync(join(report, 'result.json'), 'utf8'));
    const count = (key: string) => result.metrics.latencies.find((l: { key: string }) => l.key.startsWith(key))?.summary.count ?? 0;
    expect(count('ack{event:message:send}')).toBeGreaterThan(0);
    expect(count('ack{event:booking:join}')).toBeGreaterThan(0);
    expect(count('delivery{event:message:new')).toBeGreaterThan(0);
    expect(result.violations.kinds).toEqual(['loss']);
    expect(Object.keys(result.violations.notApplicable ?? {})).toContain('order');
    expect(result.violations.total).toBe(0);
  });
});
