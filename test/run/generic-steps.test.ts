import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { IterationClock } from '../../src/client/clock.ts';
import { createDeliveryTracker } from '../../src/client/delivery-tracker.ts';
import { createTagGuards } from '../../src/client/tag-guard.ts';
import { VirtualUser } from '../../src/client/virtual-user.ts';
import { startRun } from '../../src/engine/run.ts';
import { createMetricsRegistry } from '../../src/metrics/index.ts';
import { defineScenario } from '../../src/scenario/define-scenario.ts';
import { loginTokens, startChatDialectServer, type ChatDialectServer } from '../helpers/chat-dialect-server.ts';
import { testClient } from '../helpers/client-kind.ts';

// Issue 13 §2: the generic steps drive a Socket.IO server that speaks nothing of the contract.

const ACK_TIMEOUT_MS = 300;
/** The value recorded for a timeout of `ms`, as HdrHistogram keeps it (3 significant digits). */
const atTimeoutUs = (ms: number) => ms * 1000 * 0.999;

let server: ChatDialectServer;
beforeAll(async () => {
  server = await startChatDialectServer();
});
afterAll(async () => {
  await server.close();
});

const users: VirtualUser[] = [];
afterEach(() => {
  for (const user of users.splice(0)) user.disconnect();
});

function harness(options: { timing?: IterationClock; maxTagValues?: number } = {}) {
  const metrics = createMetricsRegistry();
  const warnings: string[] = [];
  const deliveries = createDeliveryTracker({ metrics, timeoutMs: ACK_TIMEOUT_MS });
  const tagGuards = createTagGuards((message) => warnings.push(message), options.maxTagValues);
  const user = (userId: string) => {
    const created = new VirtualUser({
      url: server.url,
      userId,
      role: 'buyer',
      token: loginTokens(server.url),
      transport: 'websocket',
      client: testClient.kind,
      metrics,
      deliveries,
      ...(options.timing ? { timing: options.timing } : {}),
      ackTimeoutMs: ACK_TIMEOUT_MS,
      connectTimeoutMs: 2_000,
      httpTimeoutMs: 2_000,
      tagGuards,
    });
    users.push(created);
    return created;
  };
  return { metrics, warnings, user };
}

describe('emitWithAck on any event', () => {
  it('resolves with the ack arguments as the server sent them, measured as ack{event}, counting nothing by their content', async () => {
    const { metrics, user } = harness();
    const alice = user('alice');
    expect(await alice.emitWithAck('chat:join', 'c1')).toEqual({ ok: true, args: ['joined', 'c1'] });
    const sent = await alice.emitWithAck<[{ status: string; id: string }]>('chat:message', { conversationId: 'c1', text: 'hi' });
    expect(sent).toMatchObject({ ok: true, args: [{ status: 'sent' }] });

    expect(metrics.queryLatency('connect')?.count).toBe(1); // connected on first use
    expect(metrics.queryLatency('ack', { event: 'chat:join' })?.count).toBe(1);
    expect(metrics.queryLatency('ack', { event: 'chat:message' })?.count).toBe(1);
    // `{status:'sent'}` has no `ok`: a contract step would count it as bad_ack; a generic one does not judge it.
    expect(metrics.queryCounter('errors')).toBeUndefined();
  });

  it('records a lost ack as a sample at the timeout value, counted in ack_timeouts and errors', async () => {
    const { metrics, user } = harness();
    const result = await user('alice').emitWithAck('chat:message', { conversationId: 'c1', text: 'lost' });

    expect(result).toEqual({ ok: false, error: { code: 'ack_timeout', message: `no ack for chat:message within ${ACK_TIMEOUT_MS} ms` } });
    const ack = metrics.queryLatency('ack', { event: 'chat:message' });
    expect(ack?.count).toBe(1);
    expect(ack?.summary.minUs).toBeGreaterThanOrEqual(atTimeoutUs(ACK_TIMEOUT_MS));
    expect(metrics.queryCounter('ack_timeouts', { event: 'chat:message' })).toBe(1);
    expect(metrics.queryCounter('errors', { code: 'ack_timeout', source: 'chat:message' })).toBe(1);
  });

  it('measures a step that waited behind a stalled generic step from when it would have started (docs/latency.md)', async () => {
    const clock = new IterationClock(20);
    const { metrics, user } = harness({ timing: clock });
    const alice = user('alice');
    await alice.connect();
    clock.start();
    await alice.emitWithAck('chat:message', { conversationId: 'c1', text: 'slow' }); // 150 ms: 130 beyond the threshold
    await alice.emitWithAck('chat:message', { conversationId: 'c1', text: 'fast' });

    const ack = metrics.snapshot().latencies.find((l) => l.key === 'ack{event:chat:message}');
    expect(ack?.summary.minUs).toBeGreaterThanOrEqual(130_000);
    expect(ack?.uncorrected.minUs).toBeLessThan(100_000);
  });

  it('refuses a callback as the last argument, which would wait for an ack unmeasured and without a timeout', async () => {
    const { user } = harness();
    const alice = user('alice');
    expect(() => alice.emitWithAck('chat:join', 'c1', () => {})).toThrow(/callback as its last argument/);
    await expect(alice.emit('chat:join', 'c1', () => {})).rejects.toMatchObject({ code: 'BAZAAR_BAD_STEP' });
  });
});

describe('emit, on and expect on any event', () => {
  it('emit sends fire-and-forget; on() calls its handler for every event until unsubscribed', async () => {
    const { metrics, user } = harness();
    const alice = user('alice');
    const pongs: unknown[][] = [];
    const off = alice.on('chat:pong', (...args) => pongs.push(args)); // before any connection: attached when it opens
    await alice.emit('chat:ping', 1);
    await alice.emit('chat:ping', 2);
    await vi.waitFor(() => expect(pongs).toEqual([[1, 'alice'], [2, 'alice']]), { timeout: 2_000, interval: 10 });

    off();
    const third = alice.expect('chat:pong', (n: number) => n === 3, 2_000);
    await alice.emit('chat:ping', 3);
    expect(await third).toBe(3); // the pong came back to the socket, and the handler no longer saw it
    expect(pongs).toHaveLength(2);
    expect(metrics.queryLatency('ack')).toBeUndefined(); // emit measures nothing
  });

  it('expect waits for a foreign push matching its predicate, and counts one that never comes', async () => {
    const { metrics, user } = harness();
    const [alice, bob] = [user('alice'), user('bob')];
    await Promise.all([alice.emitWithAck('chat:join', 'c2'), bob.emitWithAck('chat:join', 'c2')]);
    const seen = bob.expect<{ from: string; text: string }>('chat:new', (m) => m.from === 'alice' && m.text === 'hello', 2_000);
    await alice.emitWithAck('chat:message', { conversationId: 'c2', text: 'hello' });
    expect(await seen).toMatchObject({ from: 'alice', text: 'hello', conversationId: 'c2' });

    expect(await bob.expect('chat:new', () => true, 100)).toBeUndefined();
    expect(metrics.queryCounter('expect_timeouts', { event: 'chat:new' })).toBe(1);
  });

  it('a predicate or handler that throws on a foreign payload is counted, and the wait goes on', async () => {
    const { metrics, user } = harness();
    const alice = user('alice');
    alice.on('chat:pong', () => {
      throw new Error('handler bug');
    });
    const seen = alice.expect('chat:pong', (n: number) => {
      if (n === 1) throw new Error('predicate bug');
      return n === 2;
    }, 2_000);
    await alice.emit('chat:ping', 1);
    await alice.emit('chat:ping', 2);
    expect(await seen).toBe(2);
    expect(metrics.queryCounter('errors', { code: 'predicate_exception', source: 'chat:pong' })).toBe(1);
    expect(metrics.queryCounter('errors', { code: 'handler_exception', source: 'chat:pong' })).toBe(2);
  });

  it('on() handlers survive a reconnect(), and a dropped connection that socket.io-client brings back', async () => {
    const { user } = harness();
    const alice = user('alice');
    const pongs: number[] = [];
    alice.on('chat:pong', (n: number) => pongs.push(n));
    await alice.emit('chat:ping', 1);
    await vi.waitFor(() => expect(pongs).toEqual([1]), { timeout: 2_000, interval: 10 });

    expect(await alice.reconnect()).toBe(true);
    await alice.emit('chat:ping', 2);
    await vi.waitFor(() => expect(pongs).toEqual([1, 2]), { timeout: 2_000, interval: 10 });

    // The server drops the transport: the client's own backoff (about 1 s) brings it back.
    for (const socket of server.io.sockets.sockets.values()) if (socket.data.user === 'alice') socket.conn.close();
    await vi.waitFor(() => expect(alice.connected).toBe(false), { timeout: 2_000, interval: 10 });
    await vi.waitFor(() => expect(alice.connected).toBe(true), { timeout: 5_000, interval: 20 });
    await alice.emit('chat:ping', 3);
    await vi.waitFor(() => expect(pongs).toEqual([1, 2, 3]), { timeout: 2_000, interval: 10 });
  });

  it('survives pushes that reuse contract event names with payloads of another shape', async () => {
    const { user } = harness();
    const alice = user('alice');
    const sessions: unknown[] = [];
    alice.on('session', (session) => sessions.push(session));
    await alice.connect();
    for (const [event, payload] of [['message:new', null], ['listing:priceChanged', 'x'], ['booking:statusChanged', 42]] as const) {
      server.io.emit(event, payload);
    }
    const pong = alice.expect('chat:pong', () => true, 2_000);
    await alice.emit('chat:ping', 1);
    expect(await pong).toBe(1);
    expect(sessions).toEqual([{ sid: expect.any(String) }]);
    expect(alice.connected).toBe(true);
  });
});

describe('request on any route', () => {
  it('calls with the user\'s credentials, measured under its route with ids normalized or given', async () => {
    const { metrics, user } = harness();
    const alice = user('alice');
    const answer = await alice.request('GET', '/api/conversations/c-8f3a2b91?limit=5');
    expect(answer).toMatchObject({ ok: true, status: 200, body: { id: 'c-8f3a2b91', members: ['alice'] } });
    await alice.request('get', '/api/conversations/c-77aa00bb');
    const created = await alice.request('POST', '/api/conversations', { title: 'x' }, { route: 'create conversation' });
    expect(created).toMatchObject({ status: 201, body: { by: 'alice', title: 'x' } });

    expect(metrics.queryLatency('http', { route: 'GET /api/conversations/:id' })?.count).toBe(2);
    expect(metrics.queryLatency('http', { route: 'create conversation' })?.count).toBe(1);
    expect(server.requests).toContain('GET /api/conversations/c-8f3a2b91 alice');
  });

  it('counts a refusal by its status, never by a code in the body (unbounded tag values)', async () => {
    const { metrics, user } = harness();
    const answer = await user('alice').request('GET', '/api/conversations/missing');
    expect(answer).toMatchObject({ ok: false, status: 404 });
    const codes = metrics.snapshot().counters.filter((c) => c.name === 'errors').map((c) => c.key);
    expect(codes).toEqual(['errors{code:http_404,source:GET /api/conversations/missing}']);
  });

  it('refuses a path that is not on the target', () => {
    const { user } = harness();
    expect(() => user('alice').request('GET', 'api/conversations')).toThrow(/must start with "\/"/);
  });
});

describe('bounded tag values', () => {
  it('records events past the cap under event:other, with one warning', async () => {
    const { metrics, warnings, user } = harness({ maxTagValues: 2 });
    const alice = user('alice');
    for (const room of ['r1', 'r2', 'r3', 'r4']) await alice.emitWithAck(`chat:join`, room);
    await alice.emitWithAck('chat:message', { conversationId: 'r1', text: 'a' });
    // An app that put ids in event names: each would be a series of its own.
    await Promise.all(['room:1:typing', 'room:2:typing'].map((event) => alice.expect(event, () => true, 20)));

    const ackKeys = metrics.snapshot().latencies.filter((l) => l.name === 'ack').map((l) => l.key).sort();
    expect(ackKeys).toEqual(['ack{event:chat:join}', 'ack{event:chat:message}']);
    expect(metrics.queryCounter('expect_timeouts', { event: 'other' })).toBe(2);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/more than 2 distinct event tag values .*"room:1:typing"/);
  });
});

const tmpDirs: string[] = [];
afterAll(() => {
  for (const dir of tmpDirs) rmSync(dir, { recursive: true, force: true });
});

/** What a user of another server writes as --token-module: a login through its own route. */
async function writeLoginModule(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'bazaar-generic-'));
  tmpDirs.push(dir);
  const file = join(dir, 'login.mjs');
  writeFileSync(file, `
    export default async function token(userId) {
      const res = await fetch(${JSON.stringify(server.url)} + '/login', { method: 'POST', body: JSON.stringify({ user: userId }) });
      return (await res.json()).token;
    }
  `);
  return file;
}

describe('a run of generic steps only', () => {
  it('drives a server of another dialect through startRun with a login token module, with no world seeded', async () => {
    const tokenModule = await writeLoginModule();
    const scenario = defineScenario({
      name: 'chat-generic',
      world: false,
      executor: { type: 'per-vu-iterations', vus: 2, iterations: 3, maxDuration: '30s' },
      thresholds: { 'ack{event:chat:message}': ['p(95)<5s'], 'ack_timeouts': ['count==0'] },
      async setup({ buyer, seller, vu }) {
        await Promise.all([buyer.emitWithAck('chat:join', `conversation-${vu}`), seller.emitWithAck('chat:join', `conversation-${vu}`)]);
      },
      async iteration({ buyer, seller, vu, iteration }) {
        const text = `hi ${iteration}`;
        const seen = seller.expect<{ text: string }>('chat:new', (m) => m.text === text, 5_000);
        const sent = await buyer.emitWithAck<[{ status: string }]>('chat:message', { conversationId: `conversation-${vu}`, text });
        if (!sent.ok || sent.args[0].status !== 'sent') throw new Error(`not sent: ${JSON.stringify(sent)}`);
        if (!(await seen)) throw new Error('the seller never saw it');
        await buyer.request('GET', `/api/conversations/conversation-${vu}`);
      },
    });
    const result = await startRun({ scenario, target: server.url, tokenModule, reportDir: false });
    const latency = (key: string) => result.metrics.latencies.find((l) => l.key === key)?.summary.count;
    const counters = result.metrics.counters.filter((c) => c.value > 0).map((c) => `${c.key}=${c.value}`);

    expect(result.status).toBe('passed');
    expect(result.thresholdsPassed).toBe(true);
    expect(result.world).toEqual({ sellers: 0, buyers: 0, admins: 0, listings: 0, bookings: 0 });
    expect(latency('ack{event:chat:join}')).toBe(4);
    expect(latency('ack{event:chat:message}')).toBe(6);
    expect(latency('http{route:GET /api/conversations/:id}')).toBe(6);
    expect(latency('connect')).toBe(4);
    // No errors, timeouts or exceptions: only the iterations, and the run closing its 4 users.
    expect(counters.sort()).toEqual(['disconnects{reason:io client disconnect}=4', 'iterations{group:default}=6']);
    expect(server.requests.filter((r) => r.startsWith('GET /api/conversations/conversation-1 b1'))).toHaveLength(3);
  }, 60_000);
});

describe('a run caps the tag values of its generic steps', () => {
  it('records routes past the cap as route:other and warns once, through onNotice', async () => {
    const notices: string[] = [];
    const scenario = defineScenario({
      world: false,
      executor: { type: 'per-vu-iterations', vus: 1, iterations: 1, maxDuration: '30s' },
      async iteration({ buyer }) {
        // 101 distinct routes the script named itself: one too many.
        for (let i = 0; i <= 100; i++) await buyer.request('GET', `/api/conversations/c-12345678`, undefined, { route: `route ${i}` });
      },
    });
    const result = await startRun({ scenario, target: server.url, tokenModule: await writeLoginModule(), reportDir: false, onNotice: (m) => notices.push(m) });
    const routes = result.metrics.latencies.filter((l) => l.name === 'http').map((l) => l.tags.route);
    expect(routes).toHaveLength(101);
    expect(routes).toContain('other');
    expect(routes).not.toContain('route 100');
    expect(notices.filter((n) => /distinct route tag values/.test(n))).toHaveLength(1);
  }, 60_000);
});
