import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeliveryTracker } from '../../src/client/delivery-tracker.ts';
import { createSecretTokenProvider } from '../../src/client/tokens.ts';
import { VirtualUser } from '../../src/client/virtual-user.ts';
import { runChecks, type CheckReport } from '../../src/checks/run-checks.ts';
import { startRun } from '../../src/engine/run.ts';
import { createMetricsRegistry } from '../../src/metrics/index.ts';
import { loadScenario } from '../../src/scenario/index.ts';
import { createTarget } from '../../src/target/target.ts';
import { defineTarget } from '../../src/index.ts';
import profile from '../fixtures/dialects/chat.target.ts';
import { startChatServer, type ChatServer } from '../fixtures/dialects/chat-server.ts';

const byId = (report: CheckReport, id: string) => report.checks.find((c) => c.id === id)!;
const latencyCount = (result: Awaited<ReturnType<typeof startRun>>, key: string) =>
  result.metrics.latencies.filter((l) => l.key.startsWith(key)).reduce((n, l) => n + l.summary.count, 0);

/*
 * Typing and read receipts through a profile: the chat fixture's own `chat:typing` and
 * `chat:seen` (a reply event answers a mark, the receipt goes to the sender's user room) are
 * read as the contract's typing:start/stop, read:mark and read:updated. Each check and run kind
 * passes on the fixture and fails on a variant with a defect in that one feature.
 */
describe('typing and read receipts through the chat profile', () => {
  let server: ChatServer;
  beforeAll(async () => {
    server = await startChatServer({ buggy: false });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('the typing and reads checks run through the profile and pass on the fixture (typing limits, not claimed, do not apply)', async () => {
    const report = await runChecks({ target: server.url, profile, only: 'typing.*,reads.*' });
    expect(Object.fromEntries(report.checks.map((c) => [c.id, c.status]))).toEqual({
      'typing.start-limited': 'not-applicable',
      'typing.relay': 'passed',
      'reads.receipt-reaches-sender': 'passed',
      'reads.repeat-is-noop': 'passed',
      'reads.offline-sender-sees-history': 'passed',
      'reads.only-recipient-marks': 'passed',
    });
    expect(byId(report, 'typing.start-limited').reason).toMatch(/does not claim typingLimits/);
  });

  it('typing.relay fails, with evidence, on a variant that relays typing back to the sending socket', async () => {
    const echo = await startChatServer({ buggy: false, typingEcho: true });
    try {
      const report = await runChecks({ target: echo.url, profile, only: 'typing.*' });
      const relay = byId(report, 'typing.relay');
      expect(relay.status).toBe('failed');
      expect(relay.evidence.join('\n')).toMatch(/buyer\d+@c\d+ received its own typing back: typing:start \{"bookingId":"conv-[^"]+","userId":"[^"]+buyer\d+"\}/);
    } finally {
      await echo.close();
    }
  });

  it('reads.receipt-reaches-sender fails, with evidence, on a variant that never pushes the receipt to the sender', async () => {
    const lost = await startChatServer({ buggy: false, seenLost: true });
    try {
      const report = await runChecks({ target: lost.url, profile, only: 'reads.receipt-reaches-sender' });
      const reaches = byId(report, 'reads.receipt-reaches-sender');
      expect(reaches.status).toBe('failed');
      expect(reaches.evidence.join('\n')).toMatch(/marked message msg-\S+ read \(ack readAt \d+\); \S+seller\d+@c\d+, the sender's connection that never joined the booking, got no read:updated/);
    } finally {
      await lost.close();
    }
  });

  it('bazaar run typing-storm plays through the profile: typing sent the app\'s way, messages measured, no errors', async () => {
    const result = await startRun({ scenario: 'typing-storm', profile, target: server.url, durationMs: 1_500, scale: 0.05, reportDir: false });
    expect(latencyCount(result, 'ack{event:message:send}')).toBeGreaterThan(0);
    expect(latencyCount(result, 'ack{event:booking:join}')).toBeGreaterThan(0);
    expect(result.metrics.counters.filter((c) => c.name === 'errors')).toEqual([]);
    // Typing is claimed, its limits are not: the `typing` kind (limits) is not applicable.
    expect(result.violations.notApplicable?.typing).toMatch(/does not claim typingLimits/);
    expect(result.violations.total).toBe(0);
    expect(result.thresholdsPassed).toBe(true);
  });

  it('bazaar run read-receipts plays through the profile: read:mark and the receipt\'s delivery measured, reads checked, none lost', async () => {
    const result = await startRun({ scenario: 'read-receipts', profile, target: server.url, durationMs: 1_500, scale: 0.05, reportDir: false });
    expect(latencyCount(result, 'ack{event:read:mark}')).toBeGreaterThan(0);
    expect(latencyCount(result, 'delivery{event:read:updated')).toBeGreaterThan(0);
    expect(result.violations.kinds).toContain('reads');
    expect(result.metrics.counters.filter((c) => c.name === 'errors' || c.name === 'expect_timeouts')).toEqual([]);
    expect(result.violations.total).toBe(0);
    expect(result.thresholdsPassed).toBe(true);
  });

  it('bazaar run read-receipts finds receipts that never reach the sender as reads violations', async () => {
    const lost = await startChatServer({ buggy: false, seenLost: true });
    try {
      const shipped = await loadScenario('read-receipts');
      // Shipped iteration and load; only the delivery timeout shortened, so losses are judged within the run.
      const scenario = { ...shipped, name: 'read-receipts', options: { ...shipped.options, deliveryTimeout: '300ms' } };
      const result = await startRun({ scenario, profile, target: lost.url, durationMs: 1_500, scale: 0.05, reportDir: false });
      expect(result.violations.counts.reads).toBeGreaterThan(0);
      expect(result.violations.evidence.find((v) => v.kind === 'reads')).toMatchObject({ room: expect.stringMatching(/^user:/), observed: expect.stringMatching(/not received within 300 ms/) });
      expect(result.thresholdsPassed).toBe(false);
    } finally {
      await lost.close();
    }
  });
});

describe('profile parts at unit level, against the real chat server', () => {
  let server: ChatServer;
  beforeAll(async () => {
    server = await startChatServer({ buggy: false });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('a `fixed` world hands out the server\'s existing records in turn, filled from what bazaar asked for', async () => {
    // Two conversations that already exist on the server, made as a team's seed script would.
    const made = createTarget(profile, { url: server.url });
    const listing = await made.world.listing({ sellerId: 's1', title: 't', price: 1, private: false, index: 0 });
    const existing = [await made.world.booking({ buyerId: 'b1', listing, index: 0 }), await made.world.booking({ buyerId: 'b2', listing, index: 1 })];

    const fixed = createTarget(defineTarget({ ...profile, world: { booking: { fixed: existing.map((b) => ({ id: b.id })) } } }), { url: server.url });
    const handed = await Promise.all([0, 1, 2].map((index) => fixed.world.booking({ buyerId: `b${index + 1}`, listing, index })));
    expect(handed.map((b) => b.id)).toEqual([existing[0]!.id, existing[1]!.id, existing[0]!.id]);
    expect(handed[1]).toMatchObject({ buyerId: 'b2', sellerId: 's1', listingId: listing.id, status: 'requested' });
    // The records are real: b1 may join the first one through the profile.
    const user = virtualUser(fixed, 'b1');
    try {
      expect(await user.join(handed[0]!)).toEqual({ ok: true });
    } finally {
      user.disconnect();
    }
  });

  it('the session mapping reads the app\'s greeting into the user\'s session', async () => {
    const user = virtualUser(createTarget(profile, { url: server.url }), 'greeted');
    try {
      expect(await user.connect()).toBe(true);
      await expect.poll(() => user.session).toEqual({ userId: 'greeted', role: 'buyer' });
    } finally {
      user.disconnect();
    }
  });

  it('without a mapped greeting (session: none) the user has no session, and connecting is enough', async () => {
    const user = virtualUser(createTarget(defineTarget({ ...profile, session: 'none' }), { url: server.url }), 'quiet');
    try {
      expect(await user.connect()).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(user.session).toBeUndefined();
    } finally {
      user.disconnect();
    }
  });
});

function virtualUser(target: ReturnType<typeof createTarget>, userId: string): VirtualUser {
  const metrics = createMetricsRegistry();
  return new VirtualUser({
    url: target.url,
    userId,
    role: 'buyer',
    token: createSecretTokenProvider('unused'),
    transport: 'websocket',
    metrics,
    deliveries: createDeliveryTracker({ metrics, timeoutMs: 1_000 }),
    ackTimeoutMs: 2_000,
    connectTimeoutMs: 2_000,
    httpTimeoutMs: 2_000,
    target,
  });
}
