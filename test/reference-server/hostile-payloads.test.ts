import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventNameLabel, ODD_EVENT_NAMES, RAW_FRAMES } from '../../src/checks/probes/hostile-payloads.ts';
import { closeAllClients, sleep, type TestClient } from '../helpers/client.ts';
import { startWorld, type TestWorld } from '../helpers/world.ts';

/*
 * Robustness (docs/contract.md §2, §6.7, §6.8): no payload, frame or event name crashes the
 * server or leaks a room, and no write from a non-party has an observable effect.
 */

let world: TestWorld;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  closeAllClients();
  await world.close();
});

/** How long a "not received" assertion waits after a control socket got its event. */
const GRACE_MS = 100;
/** Every wait fails with a message instead of hanging. */
const WAIT_MS = 3_000;

const badRequest = { ok: false, error: { code: 'bad_request', message: expect.any(String) } };
const forbidden = { ok: false, error: { code: 'forbidden', message: expect.any(String) } };

/** Everything a socket received apart from its own `session`. */
const roomEvents = (client: TestClient) => client.received.filter((r) => r.event !== 'session');

async function connected(sub: string, role: 'buyer' | 'seller' | 'admin'): Promise<TestClient> {
  const client = await world.connect(sub, role);
  await client.waitFor('session', () => true, WAIT_MS);
  return client;
}

/** The server is alive: HTTP answers and a fresh socket is served. */
async function expectServerAlive(freshUserId: string): Promise<void> {
  const health = await world.http('GET', '/healthz');
  expect(health.status).toBe(200);
  const fresh = await world.connect(freshUserId, 'buyer');
  const session = await fresh.waitFor('session', () => true, WAIT_MS);
  expect(session).toMatchObject({ userId: freshUserId, role: 'buyer' });
}

function waitForDisconnect(client: TestClient, timeoutMs = WAIT_MS): Promise<string> {
  if (!client.socket.connected) return Promise.resolve('already disconnected');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`socket not disconnected within ${timeoutMs} ms`)), timeoutMs);
    client.socket.once('disconnect', (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });
}

async function history(bookingId: string, as: [string, 'buyer' | 'seller' | 'admin']): Promise<any[]> {
  const res = await world.http('GET', `/api/bookings/${bookingId}/messages`, { as });
  expect(res.status).toBe(200);
  return res.body.messages;
}

// ---------------------------------------------------------------------------------------------
// The hostile batch: every client event, every payload shape.
// ---------------------------------------------------------------------------------------------

/** Ids the hostile buyer may and may not use, created before the batch. */
interface Fixture {
  /** A public listing: the hostile buyer may watch it. */
  allowedListing: string;
  /** Another seller's private listing: it may not. */
  forbiddenListing: string;
  /** A booking the hostile buyer is the buyer of. */
  allowedBooking: string;
  /** Another buyer's booking. */
  forbiddenBooking: string;
  /** A known seller (HTTP only, not online before the end of the batch). */
  allowedPresence: string;
  /** A buyer (HTTP only, not online before the end of the batch). */
  forbiddenPresence: string;
  /** A message from the seller in `allowedBooking`: the hostile buyer could mark it read. */
  messageId: string;
}

/**
 * - `bad_request`: the ack is `{ok:false, error:{code:'bad_request'}}`.
 * - `refused`: an id-shaped value naming nothing the caller may use: `{ok:false}` (any code).
 * - `answered`: any well-formed ack (a leave of an id-shaped room, or a heartbeat, which has
 *   no payload to validate); a refusal must then be bad_request.
 * - `silent`: an event without ack (typing): never answered, never relayed.
 */
type Expectation = 'bad_request' | 'refused' | 'answered' | 'silent';

interface HostileCase {
  event: string;
  name: string;
  payload: (f: Fixture) => unknown;
  expect: Expectation;
}

const JOIN_EVENTS = ['listing:watch', 'booking:join', 'presence:watch'] as const;
const LEAVE_EVENTS = ['listing:unwatch', 'booking:leave', 'presence:unwatch'] as const;
const OBJECT_EVENTS = ['message:send', 'read:mark'] as const;
const TYPING_EVENTS = ['typing:start', 'typing:stop'] as const;
const ALL_EVENTS = [...JOIN_EVENTS, ...LEAVE_EVENTS, ...OBJECT_EVENTS, ...TYPING_EVENTS, 'presence:heartbeat'] as const;
type ClientEvent = (typeof ALL_EVENTS)[number];

function mixedIds(event: ClientEvent, f: Fixture): string[] {
  if (event.startsWith('listing:')) return [f.allowedListing, f.forbiddenListing];
  if (event.startsWith('presence:')) return [f.allowedPresence, f.forbiddenPresence];
  return [f.allowedBooking, f.forbiddenBooking];
}

const ID_SHAPED = new Set(['toString', 'constructor', '__proto__']);

/** Generic payloads sent to every event. `idShaped` ones pass the id pattern. */
const GENERIC: { name: string; payload: (f: Fixture, event: ClientEvent) => unknown; idShaped?: boolean }[] = [
  { name: 'an array mixing an allowed and a forbidden id', payload: (f, event) => mixedIds(event, f) },
  { name: 'no payload', payload: () => undefined },
  { name: 'an object', payload: () => ({ id: 'x', nested: { a: [1, 2] } }) },
  { name: 'an own "__proto__" key', payload: () => JSON.parse('{"__proto__":{"x":1}}') },
  { name: '{constructor: "x"}', payload: () => ({ constructor: 'x' }) },
  { name: 'a number', payload: () => 42 },
  { name: 'null', payload: () => null },
  { name: 'true', payload: () => true },
  { name: 'the string "toString"', payload: () => 'toString', idShaped: true },
  { name: 'the string "constructor"', payload: () => 'constructor', idShaped: true },
  { name: 'the string "__proto__"', payload: () => '__proto__', idShaped: true },
  { name: 'a string containing ":"', payload: () => 'booking:1' },
  { name: 'an empty string', payload: () => '' },
  { name: 'a 65-character string', payload: () => 'a'.repeat(65) },
  { name: 'a 10 kB string', payload: () => 'x'.repeat(10_000) },
  { name: 'a 1000-element array', payload: () => Array.from({ length: 1000 }, (_, i) => `id${i}`) },
];

function genericExpectation(event: ClientEvent, idShaped: boolean): Expectation {
  if ((TYPING_EVENTS as readonly string[]).includes(event)) return 'silent';
  if (event === 'presence:heartbeat') return 'answered';
  if ((OBJECT_EVENTS as readonly string[]).includes(event)) return 'bad_request';
  if ((JOIN_EVENTS as readonly string[]).includes(event)) return idShaped ? 'refused' : 'bad_request';
  return idShaped ? 'answered' : 'bad_request'; // leaving a room one is not in is harmless
}

const long = 'a'.repeat(65);
const hostileFieldsOfMessageSend: [string, (f: Fixture) => unknown, Expectation][] = [
  ['bookingId an array', () => ({ bookingId: ['a', 'b'], body: 'x', clientMsgId: 'c' }), 'bad_request'],
  ['bookingId mixing allowed and forbidden', (f) => ({ bookingId: [f.allowedBooking, f.forbiddenBooking], body: 'x', clientMsgId: 'c' }), 'bad_request'],
  ['bookingId an object', () => ({ bookingId: {}, body: 'x', clientMsgId: 'c' }), 'bad_request'],
  ['bookingId a number', () => ({ bookingId: 42, body: 'x', clientMsgId: 'c' }), 'bad_request'],
  ['bookingId null', () => ({ bookingId: null, body: 'x', clientMsgId: 'c' }), 'bad_request'],
  ['bookingId missing', () => ({ body: 'x', clientMsgId: 'c' }), 'bad_request'],
  ['bookingId with ":"', () => ({ bookingId: 'booking:1', body: 'x', clientMsgId: 'c' }), 'bad_request'],
  ['bookingId of 65 characters', () => ({ bookingId: long, body: 'x', clientMsgId: 'c' }), 'bad_request'],
  ['bookingId "__proto__"', () => ({ bookingId: '__proto__', body: 'x', clientMsgId: 'c' }), 'refused'],
  ['bookingId "constructor"', () => ({ bookingId: 'constructor', body: 'x', clientMsgId: 'c' }), 'refused'],
  ['bookingId of a booking of others', (f) => ({ bookingId: f.forbiddenBooking, body: 'x', clientMsgId: 'c' }), 'refused'],
  ['body an object', (f) => ({ bookingId: f.allowedBooking, body: {}, clientMsgId: 'c' }), 'bad_request'],
  ['body a number', (f) => ({ bookingId: f.allowedBooking, body: 42, clientMsgId: 'c' }), 'bad_request'],
  ['body null', (f) => ({ bookingId: f.allowedBooking, body: null, clientMsgId: 'c' }), 'bad_request'],
  ['body an array', (f) => ({ bookingId: f.allowedBooking, body: ['x'], clientMsgId: 'c' }), 'bad_request'],
  ['body missing', (f) => ({ bookingId: f.allowedBooking, clientMsgId: 'c' }), 'bad_request'],
  ['body empty', (f) => ({ bookingId: f.allowedBooking, body: '', clientMsgId: 'c' }), 'bad_request'],
  ['body only whitespace', (f) => ({ bookingId: f.allowedBooking, body: ' \n\t  \r ', clientMsgId: 'c' }), 'bad_request'],
  ['body of 4001 characters', (f) => ({ bookingId: f.allowedBooking, body: 'y'.repeat(4001), clientMsgId: 'c' }), 'bad_request'],
  ['clientMsgId an object', (f) => ({ bookingId: f.allowedBooking, body: 'x', clientMsgId: {} }), 'bad_request'],
  ['clientMsgId an array', (f) => ({ bookingId: f.allowedBooking, body: 'x', clientMsgId: ['c'] }), 'bad_request'],
  ['clientMsgId a number', (f) => ({ bookingId: f.allowedBooking, body: 'x', clientMsgId: 7 }), 'bad_request'],
  ['clientMsgId missing', (f) => ({ bookingId: f.allowedBooking, body: 'x' }), 'bad_request'],
  ['clientMsgId with ":"', (f) => ({ bookingId: f.allowedBooking, body: 'x', clientMsgId: 'c:1' }), 'bad_request'],
  ['clientMsgId of 65 characters', (f) => ({ bookingId: f.allowedBooking, body: 'x', clientMsgId: long }), 'bad_request'],
  [
    'every field behind an own "__proto__" key',
    (f) => JSON.parse(`{"__proto__":{"bookingId":"${f.allowedBooking}","body":"x","clientMsgId":"c"}}`),
    'bad_request',
  ],
];

const hostileFieldsOfReadMark: [string, (f: Fixture) => unknown, Expectation][] = [
  ['bookingId an array', (f) => ({ bookingId: ['a', 'b'], messageId: f.messageId }), 'bad_request'],
  ['bookingId mixing allowed and forbidden', (f) => ({ bookingId: [f.allowedBooking, f.forbiddenBooking], messageId: f.messageId }), 'bad_request'],
  ['bookingId an object', (f) => ({ bookingId: {}, messageId: f.messageId }), 'bad_request'],
  ['bookingId a number', (f) => ({ bookingId: 42, messageId: f.messageId }), 'bad_request'],
  ['bookingId null', (f) => ({ bookingId: null, messageId: f.messageId }), 'bad_request'],
  ['bookingId missing', (f) => ({ messageId: f.messageId }), 'bad_request'],
  ['bookingId with ":"', (f) => ({ bookingId: 'booking:1', messageId: f.messageId }), 'bad_request'],
  ['bookingId of 65 characters', (f) => ({ bookingId: long, messageId: f.messageId }), 'bad_request'],
  ['bookingId "__proto__"', (f) => ({ bookingId: '__proto__', messageId: f.messageId }), 'refused'],
  ['messageId an object', (f) => ({ bookingId: f.allowedBooking, messageId: {} }), 'bad_request'],
  ['messageId an array', (f) => ({ bookingId: f.allowedBooking, messageId: [f.messageId] }), 'bad_request'],
  ['messageId a number', (f) => ({ bookingId: f.allowedBooking, messageId: 1 }), 'bad_request'],
  ['messageId null', (f) => ({ bookingId: f.allowedBooking, messageId: null }), 'bad_request'],
  ['messageId missing', (f) => ({ bookingId: f.allowedBooking }), 'bad_request'],
  ['messageId with ":"', (f) => ({ bookingId: f.allowedBooking, messageId: `message:${f.messageId}` }), 'bad_request'],
  ['messageId of 65 characters', (f) => ({ bookingId: f.allowedBooking, messageId: long }), 'bad_request'],
  ['messageId "__proto__"', (f) => ({ bookingId: f.allowedBooking, messageId: '__proto__' }), 'refused'],
  ['messageId "toString"', (f) => ({ bookingId: f.allowedBooking, messageId: 'toString' }), 'refused'],
  [
    'every field behind an own "__proto__" key',
    (f) => JSON.parse(`{"__proto__":{"bookingId":"${f.allowedBooking}","messageId":"${f.messageId}"}}`),
    'bad_request',
  ],
];

const hostileFieldsOfTyping: [string, (f: Fixture) => unknown][] = [
  ['bookingId an array', () => ({ bookingId: ['a', 'b'] })],
  ['bookingId mixing allowed and forbidden', (f) => ({ bookingId: [f.allowedBooking, f.forbiddenBooking] })],
  ['bookingId an object', () => ({ bookingId: {} })],
  ['bookingId a number', () => ({ bookingId: 42 })],
  ['bookingId null', () => ({ bookingId: null })],
  ['bookingId missing', () => ({})],
  ['bookingId with ":"', () => ({ bookingId: 'booking:1' })],
  ['bookingId of 65 characters', () => ({ bookingId: long })],
  ['bookingId of 10 kB', () => ({ bookingId: 'b'.repeat(10_000) })],
  ['bookingId "__proto__"', () => ({ bookingId: '__proto__' })],
  ['bookingId of a booking of others', (f) => ({ bookingId: f.forbiddenBooking })],
  ['the bookingId behind an own "__proto__" key', (f) => JSON.parse(`{"__proto__":{"bookingId":"${f.allowedBooking}"}}`)],
];

const CASES: HostileCase[] = [
  ...ALL_EVENTS.flatMap((event) =>
    GENERIC.map(
      (g): HostileCase => ({
        event,
        name: g.name,
        payload: (f) => g.payload(f, event),
        expect: genericExpectation(event, g.idShaped === true),
      }),
    ),
  ),
  ...hostileFieldsOfMessageSend.map(([name, payload, expect]): HostileCase => ({ event: 'message:send', name, payload, expect })),
  ...hostileFieldsOfReadMark.map(([name, payload, expect]): HostileCase => ({ event: 'read:mark', name, payload, expect })),
  ...TYPING_EVENTS.flatMap((event) =>
    hostileFieldsOfTyping.map(([name, payload]): HostileCase => ({ event, name, payload, expect: 'silent' })),
  ),
];

describe('hostile payloads on every client event (contract §2, §6.8)', () => {
  const HOSTILE = 'hp-hostile';
  let fixture: Fixture;
  /** One hostile socket per event, so that the batch stays far below the rate limit. */
  const hostile = new Map<string, TestClient>();
  /** Controls that legitimately joined every room the hostile payloads name. */
  let admin: TestClient;
  let bookingSeller: TestClient;

  beforeAll(async () => {
    const allowedListing = await world.listing('hp-seller-pub'); // also the known seller, not online
    const forbiddenListing = await world.listing('hp-seller-priv', { private: true });
    const allowedBooking = await world.booking(HOSTILE, (await world.listing('hp-seller-bk')).id);
    const forbiddenBooking = await world.booking('hp-other-buyer', (await world.listing('hp-seller-priv')).id);

    bookingSeller = await connected('hp-seller-bk', 'seller');
    expect(await bookingSeller.ack('booking:join', allowedBooking.id)).toMatchObject({ ok: true });
    const first = await bookingSeller.ack('message:send', { bookingId: allowedBooking.id, body: 'first', clientMsgId: 'hp-1' });
    expect(first).toMatchObject({ ok: true });

    fixture = {
      allowedListing: allowedListing.id,
      forbiddenListing: forbiddenListing.id,
      allowedBooking: allowedBooking.id,
      forbiddenBooking: forbiddenBooking.id,
      allowedPresence: 'hp-seller-pub',
      forbiddenPresence: 'hp-other-buyer',
      messageId: first.message.id,
    };

    admin = await connected('hp-admin', 'admin');
    for (const id of [fixture.allowedListing, fixture.forbiddenListing]) {
      expect(await admin.ack('listing:watch', id)).toMatchObject({ ok: true });
    }
    for (const id of [fixture.allowedBooking, fixture.forbiddenBooking]) {
      expect(await admin.ack('booking:join', id)).toMatchObject({ ok: true });
    }
    for (const id of [fixture.allowedPresence, fixture.forbiddenPresence]) {
      expect(await admin.ack('presence:watch', id)).toMatchObject({ ok: true, online: false });
    }

    for (const event of ALL_EVENTS) hostile.set(event, await connected(HOSTILE, 'buyer'));
  });

  it.each(CASES)('$event with $name', async ({ event, payload, expect: expectation }) => {
    const client = hostile.get(event)!;
    const value = payload(fixture);
    if (expectation === 'silent') {
      if (value === undefined) client.socket.emit(event);
      else client.socket.emit(event, value);
      // The same socket is still served after it (events of one socket are handled in order).
      expect(await client.ack('presence:heartbeat', undefined, WAIT_MS)).toMatchObject({ ok: true });
      return;
    }
    const ack = await client.ack(event, value, WAIT_MS);
    if (expectation === 'bad_request') expect(ack).toEqual(badRequest);
    else if (expectation === 'refused') {
      expect(ack).toMatchObject({ ok: false, error: { code: expect.any(String), message: expect.any(String) } });
      expect(['bad_request', 'not_found', 'forbidden']).toContain(ack.error.code);
    } else {
      expect(typeof ack.ok).toBe('boolean');
      if (!ack.ok) expect(ack).toEqual(badRequest);
    }
  });

  it('after the batch the server still answers, and no hostile payload joined a room or wrote anything', async () => {
    await expectServerAlive('hp-fresh');
    // A hostile socket may have been disconnected (fine); one still connected is still served.
    for (const client of hostile.values()) {
      if (client.socket.connected) expect(await client.ack('presence:heartbeat', undefined, WAIT_MS)).toMatchObject({ ok: true });
    }

    // Nothing was written: the seller's message is the only one and it is unread.
    const messages = await history(fixture.allowedBooking, ['hp-seller-bk', 'seller']);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ id: fixture.messageId, senderId: 'hp-seller-bk', readAt: null });
    expect(await history(fixture.forbiddenBooking, ['hp-other-buyer', 'buyer'])).toEqual([]);

    // Events in every room the hostile payloads named; the admin proves each one happened.
    const price = await world.http('PATCH', `/api/listings/${fixture.allowedListing}`, { as: ['hp-seller-pub', 'seller'], body: { price: 1 } });
    expect(price.status).toBe(200);
    const price2 = await world.http('PATCH', `/api/listings/${fixture.forbiddenListing}`, { as: ['hp-seller-priv', 'seller'], body: { price: 2 } });
    expect(price2.status).toBe(200);
    const otherSeller = await connected('hp-seller-priv', 'seller');
    for (const [sender, bookingId] of [
      [bookingSeller, fixture.allowedBooking],
      [otherSeller, fixture.forbiddenBooking],
    ] as const) {
      const sent = await sender.ack('message:send', { bookingId, body: 'after the batch', clientMsgId: 'hp-after' });
      expect(sent).toMatchObject({ ok: true });
    }
    await world.connect(fixture.allowedPresence, 'seller');
    await world.connect(fixture.forbiddenPresence, 'buyer');

    await admin.waitFor('listing:priceChanged', (p) => p.listingId === fixture.allowedListing, WAIT_MS);
    await admin.waitFor('listing:priceChanged', (p) => p.listingId === fixture.forbiddenListing, WAIT_MS);
    await admin.waitFor('message:new', (m) => m.bookingId === fixture.allowedBooking && m.seq === 2, WAIT_MS);
    await admin.waitFor('message:new', (m) => m.bookingId === fixture.forbiddenBooking && m.seq === 1, WAIT_MS);
    await admin.waitFor('presence:changed', (p) => p.userId === fixture.allowedPresence && p.online, WAIT_MS);
    await admin.waitFor('presence:changed', (p) => p.userId === fixture.forbiddenPresence && p.online, WAIT_MS);
    await sleep(GRACE_MS);

    for (const [event, client] of hostile) {
      expect(roomEvents(client), `hostile socket used for ${event}`).toEqual([]);
    }
    // No hostile typing was relayed, and nothing the hostile buyer did reached the seller's user room.
    for (const member of [admin, bookingSeller]) {
      expect(member.received.filter((r) => r.event.startsWith('typing:'))).toEqual([]);
      expect(member.payloadsOf('read:updated')).toEqual([]);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('events that require an ack, sent without one, are ignored (contract §2)', () => {
  afterEach(() => closeAllClients());

  it('message:send without an ack creates no message and emits nothing', async () => {
    const booking = await world.booking('na-buyer', (await world.listing('na-seller')).id);
    const buyer = await connected('na-buyer', 'buyer');
    const seller = await connected('na-seller', 'seller');
    expect(await seller.ack('booking:join', booking.id)).toMatchObject({ ok: true });

    buyer.socket.emit('message:send', { bookingId: booking.id, body: 'no ack', clientMsgId: 'na-1' });
    // Handled in order after it: the socket is served, and the unacked send came first.
    expect(await buyer.ack('booking:join', booking.id)).toMatchObject({ ok: true });
    await sleep(GRACE_MS);
    expect(await history(booking.id, ['na-buyer', 'buyer'])).toEqual([]);
    expect(seller.payloadsOf('message:new')).toEqual([]);

    // The same message with an ack is the booking's first: the unacked one took no seq.
    const sent = await buyer.ack('message:send', { bookingId: booking.id, body: 'with ack', clientMsgId: 'na-1' });
    expect(sent).toMatchObject({ ok: true, message: { seq: 1, body: 'with ack' } });
    const received = await seller.waitFor('message:new', (m) => m.bookingId === booking.id, WAIT_MS);
    expect(received).toMatchObject({ seq: 1, body: 'with ack' });
  });

  it('read:mark without an ack marks nothing and emits no read:updated', async () => {
    const booking = await world.booking('nr-buyer', (await world.listing('nr-seller')).id);
    const buyer = await connected('nr-buyer', 'buyer');
    const seller = await connected('nr-seller', 'seller');
    const sent = await seller.ack('message:send', { bookingId: booking.id, body: 'read me', clientMsgId: 'nr-1' });
    expect(sent).toMatchObject({ ok: true });

    buyer.socket.emit('read:mark', { bookingId: booking.id, messageId: sent.message.id });
    expect(await buyer.ack('presence:heartbeat')).toMatchObject({ ok: true });
    await sleep(GRACE_MS);
    expect((await history(booking.id, ['nr-seller', 'seller']))[0]).toMatchObject({ id: sent.message.id, readAt: null });
    expect(seller.payloadsOf('read:updated')).toEqual([]);

    // With an ack it works, and the seller hears of it.
    const marked = await buyer.ack('read:mark', { bookingId: booking.id, messageId: sent.message.id });
    expect(marked).toMatchObject({ ok: true, readAt: expect.any(Number) });
    await seller.waitFor('read:updated', (p) => p.messageId === sent.message.id, WAIT_MS);
  });
});

describe('unknown and prototype-ish event names (contract §6.8)', () => {
  afterEach(() => closeAllClients());

  // The same names and frames as the robustness.odd-events-and-frames check.
  const names = ODD_EVENT_NAMES;

  it.each(names.map((name): [string, string] => [eventNameLabel(name), name]))(
    'event %s, with and without payload and ack, crashes nothing',
    async (_label, name) => {
      const client = await connected(`un-${names.indexOf(name)}`, 'buyer');
      client.socket.emit(name);
      client.socket.emit(name, 'x');
      client.socket.emit(name, JSON.parse('{"__proto__":{"polluted":true}}'));
      client.socket.emit(name, { a: 1 }, () => {});
      // The socket is still served after them, and so is everyone else.
      expect(await client.ack('presence:heartbeat', undefined, WAIT_MS)).toMatchObject({ ok: true });
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      await expectServerAlive(`un-fresh-${names.indexOf(name)}`);
    },
  );

  it.each(RAW_FRAMES)('a raw frame with %s crashes nothing', async (label, frame) => {
    const client = await connected(`rf-${label.replace(/[^a-z]/g, '').slice(0, 40)}`, 'buyer');
    const disconnected = waitForDisconnect(client, 60_000).catch(() => 'never');
    client.socket.io.engine.send(frame);
    // Either the server drops the socket or it goes on serving it.
    const outcome = await Promise.race([
      disconnected.then(() => 'disconnected'),
      client.ack('presence:heartbeat', undefined, WAIT_MS).then(
        (ack) => (ack.ok ? 'served' : 'refused'),
        // The client rejects pending acks when its socket closes.
        () => (client.socket.connected ? 'no answer' : 'disconnected'),
      ),
    ]);
    expect(['disconnected', 'served']).toContain(outcome);
    await expectServerAlive(`rf-fresh-${label.replace(/[^a-z]/g, '').slice(0, 40)}`);
  });
});

describe('frames over maxHttpBufferSize (contract §2)', () => {
  afterEach(() => closeAllClients());

  it('a message:send with a 70 000-character body disconnects the socket; nothing is written and the server stays up', async () => {
    const booking = await world.booking('big-buyer', (await world.listing('big-seller')).id);
    const seller = await connected('big-seller', 'seller');
    expect(await seller.ack('booking:join', booking.id)).toMatchObject({ ok: true });
    const buyer = await connected('big-buyer', 'buyer');

    const disconnected = waitForDisconnect(buyer, 5_000);
    buyer.socket.emit('message:send', { bookingId: booking.id, body: 'z'.repeat(70_000), clientMsgId: 'big-1' }, () => {});
    await disconnected;
    expect(buyer.socket.connected).toBe(false);

    await expectServerAlive('big-fresh');
    expect(seller.socket.connected).toBe(true);
    expect(await history(booking.id, ['big-seller', 'seller'])).toEqual([]);
    expect(seller.payloadsOf('message:new')).toEqual([]);
  });
});

describe('writes from non-parties have no observable effect (contract §6.7)', () => {
  afterEach(() => closeAllClients());

  it.each([
    ['a stranger buyer', 'buyer'],
    ['another seller', 'seller'],
    ['an admin (may watch, is not a party)', 'admin'],
  ] as const)('%s: message:send and read:mark are forbidden, typing is not relayed, nothing changes', async (label, role) => {
    const tag = `np-${role}`;
    const booking = await world.booking(`${tag}-buyer`, (await world.listing(`${tag}-seller`)).id);
    const buyer = await connected(`${tag}-buyer`, 'buyer');
    const seller = await connected(`${tag}-seller`, 'seller');
    for (const member of [buyer, seller]) expect(await member.ack('booking:join', booking.id)).toMatchObject({ ok: true });
    const first = await seller.ack('message:send', { bookingId: booking.id, body: 'from the seller', clientMsgId: 'np-1' });
    expect(first).toMatchObject({ ok: true, message: { seq: 1 } });
    await buyer.waitFor('message:new', (m) => m.seq === 1, WAIT_MS);

    const stranger = await connected(`${tag}-stranger`, role);
    expect(
      await stranger.ack('message:send', { bookingId: booking.id, body: 'intruding', clientMsgId: 'np-x' }),
      label,
    ).toEqual(forbidden);
    expect(await stranger.ack('read:mark', { bookingId: booking.id, messageId: first.message.id })).toEqual(forbidden);
    stranger.socket.emit('typing:start', { bookingId: booking.id });
    stranger.socket.emit('typing:stop', { bookingId: booking.id });
    expect(await stranger.ack('presence:heartbeat')).toMatchObject({ ok: true });

    // Controls after the refused writes: the next message takes seq 2, typing relays, read works.
    buyer.socket.emit('typing:start', { bookingId: booking.id });
    await seller.waitFor('typing:start', (p) => p.userId === `${tag}-buyer`, WAIT_MS);
    const second = await buyer.ack('message:send', { bookingId: booking.id, body: 'from the buyer', clientMsgId: 'np-2' });
    expect(second).toMatchObject({ ok: true, message: { seq: 2 } });
    await seller.waitFor('message:new', (m) => m.seq === 2, WAIT_MS);
    await buyer.waitFor('message:new', (m) => m.seq === 2, WAIT_MS);
    await sleep(GRACE_MS);

    for (const member of [buyer, seller]) {
      expect(member.payloadsOf('message:new').map((m) => m.senderId)).toEqual([`${tag}-seller`, `${tag}-buyer`]);
      expect(member.received.filter((r) => r.event.startsWith('typing:') && (r.payload as any)?.userId === `${tag}-stranger`)).toEqual([]);
    }
    expect(seller.payloadsOf('read:updated')).toEqual([]);
    const messages = await history(booking.id, [`${tag}-buyer`, 'buyer']);
    expect(messages.map((m) => [m.seq, m.senderId, m.readAt])).toEqual([
      [1, `${tag}-seller`, null],
      [2, `${tag}-buyer`, null],
    ]);
    expect(roomEvents(stranger)).toEqual([]);
  });
});
