import { afterEach, describe, expect, it } from 'vitest';
import { startRun, type RunResult } from '../../src/engine/run.ts';
import { startEmbeddedServer, type EmbeddedServer } from '../../src/lab/embedded-server.ts';
import { defineScenario } from '../../src/scenario/define-scenario.ts';
import checkedPresence from './fixtures/checked-presence.ts';
import checkedReads from './fixtures/checked-reads.ts';

// Issue 14: presence, typing, read receipts and seq gaps are checked online in every run. Each
// deliberate defect that breaks one of them, run under a small load, produces its violation kind
// with evidence and no other kind; the correct server produces none (three runs of each mix).

/** Presence in seconds, not minutes: lapses, sweeps and ghosts happen inside a short run. */
const SHORT_PRESENCE = { presenceTtlMs: 1_500, presenceHeartbeatMs: 300, presenceSweepMs: 200 };

let server: EmbeddedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function run(scenario: Parameters<typeof startRun>[0]['scenario'], defect?: string): Promise<RunResult> {
  server = await startEmbeddedServer({ ...SHORT_PRESENCE, ...(defect ? { defect } : {}) });
  return startRun({ scenario, target: server.url, jwtSecret: server.jwtSecret, reportDir: false });
}

function expectOnly(result: RunResult, kind: string, room: RegExp, observed: RegExp): void {
  expect(Object.keys(result.violations.counts)).toEqual([kind]);
  // A defect may break more than one rule of its kind (a timer that announces a lapse twice also
  // announces a quick reconnect as one): the rule it is known for is among the evidence.
  const first = result.violations.evidence.find((v) => observed.test(v.observed));
  expect(first).toMatchObject({ kind, room: expect.stringMatching(room) });
  expect(first?.user).toMatch(/\S/);
  expect(first?.connection).toMatch(/\S/);
  expect(first?.expected).toMatch(/\S/);
  expect(result.metrics.counters.find((c) => c.key === `violations{kind:${kind}}`)?.value).toBe(result.violations.counts[kind]);
  expect(result.status).toBe('thresholds_failed');
}

describe('presence under load', () => {
  it.each([1, 2, 3])('finds no violation on the correct server (run %i)', async () => {
    const result = await run(checkedPresence);
    expect(result.violations).toMatchObject({ checked: true, total: 0, evidence: [] });
    expect(result.status).toBe('passed');
  }, 60_000);

  it.each([
    { defect: 'presence-delete-on-disconnect', observed: /\(flicker\)$/ },
    { defect: 'heartbeat-not-refreshing', observed: /\(flicker\)$/ },
    { defect: 'offline-timer-and-sweep', observed: /^offline again, \d+ ms after the last offline/ },
    { defect: 'no-presence-sweep', observed: /\(ghost\)$/ },
  ])('$defect: presence violations with evidence, no other kind', async ({ defect, observed }) => {
    const result = await run(checkedPresence, defect);
    expectOnly(result, 'presence', /^presence:/, observed);
  }, 60_000);
});

describe('typing and read receipts under load', () => {
  it.each([1, 2, 3])('finds no violation on the correct server (run %i)', async () => {
    const result = await run(checkedReads);
    expect(result.violations).toMatchObject({ checked: true, total: 0, evidence: [] });
    // Receipts flowed, and were timed, to the seller's connections in and out of the booking.
    expect(result.metrics.latencies.some((l) => l.name === 'delivery' && l.tags.event === 'read:updated')).toBe(true);
    expect(result.status).toBe('passed');
  }, 60_000);

  it.each([
    { defect: 'no-typing-limit', kind: 'typing', room: /^booking:/, observed: /^typing:start \d+ ms after the last one let through$/ },
    { defect: 'typing-echo-to-sender', kind: 'typing', room: /^booking:/, observed: /^its own typing:(start|stop) relayed back to it$/ },
    { defect: 'read-receipt-to-room', kind: 'reads', room: /^user:/, observed: /^not received within 500 ms, connected throughout$/ },
    { defect: 'read-mark-any-party', kind: 'reads', room: /^booking:/, observed: /^read:mark acked \{ok:true\}$/ },
    { defect: 'read-mark-not-persisted', kind: 'reads', room: /^booking:/, observed: /^GET \/api\/bookings\/\S+\/messages shows readAt null$/ },
  ])('$defect: $kind violations with evidence, no other kind', async ({ defect, kind, room, observed }) => {
    const result = await run(checkedReads, defect);
    expectOnly(result, kind, room, observed);
    if (defect === 'read-receipt-to-room') {
      // Recorded as a sample at the timeout too, like a lost message.
      expect(result.metrics.counters.find((c) => c.key === 'delivery_timeouts{event:read:updated}')?.value).toBeGreaterThan(0);
    }
  }, 60_000);
});

describe('seq gaps', () => {
  // Sends with the script's own clientMsgId are retries as far as the tracker knows: it times
  // them but does not judge their absence. A gap in the seqs a receiver saw still shows the loss.
  const ownIds = defineScenario({
    name: 'own-client-msg-ids',
    world: { sellers: 2, listingsPerSeller: 2, bookings: 4 },
    options: { deliveryTimeout: '500ms', gracefulStop: '2s' },
    executor: { type: 'constant-vus', vus: 4, duration: '3s' },
    async setup({ buyer, seller, booking }) {
      await Promise.all([buyer.join(booking!), seller.join(booking!)]);
    },
    async iteration({ buyer, seller, booking, vu, iteration }) {
      await buyer.send(booking!, 'one', `b-${vu}-${iteration}`);
      await seller.send(booking!, 'two', `s-${vu}-${iteration}`);
    },
  });

  it('finds none on the correct server', async () => {
    const result = await run(ownIds);
    expect(result.violations).toMatchObject({ total: 0 });
  }, 60_000);

  it('finds the sends a sender never got back (broadcast-excludes-sender) as losses, from the gaps alone', async () => {
    const result = await run(ownIds, 'broadcast-excludes-sender');
    expectOnly(result, 'loss', /^booking:/, /^seq \d+ not received within \d+ ms of seq \d+$/);
    expect(result.metrics.counters.filter((c) => c.name === 'delivery_timeouts')).toEqual([]);
  }, 60_000);
});
