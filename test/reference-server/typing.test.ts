import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeAllClients, sleep, type TestClient } from '../helpers/client.ts';
import { startWorld, type TestWorld } from '../helpers/world.ts';

/** Long enough for any relay still in flight to have arrived. */
const SETTLE_MS = 300;
/** The contract's typing limit (§5, §6.5). */
const TYPING_INTERVAL_MS = 3_000;

let world: TestWorld;
beforeAll(async () => {
  world = await startWorld();
});
afterEach(() => closeAllClients());
afterAll(() => world.close());

const uid = (prefix: string) => world.uid(prefix);

const bookingWithParties = () => world.bookingWithParties();

const joined = (sub: string, role: 'buyer' | 'seller' | 'admin', bookingId: string): Promise<TestClient> =>
  world.joined(sub, role, bookingId);

const typingOf = (client: TestClient, kind: 'typing:start' | 'typing:stop' = 'typing:start') => client.payloadsOf(kind);

describe('typing:start / typing:stop relay (contract §5, §6.5)', () => {
  it('relays one typing:start per 3 s to the room, except the sending socket', async () => {
    const { seller, buyer, booking } = await bookingWithParties();
    const buyerTab = await joined(buyer, 'buyer', booking.id);
    const buyerOtherTab = await joined(buyer, 'buyer', booking.id);
    const buyerUnjoinedTab = await world.connect(buyer, 'buyer');
    const sellerSocket = await joined(seller, 'seller', booking.id);
    const admin = await joined(uid('admin'), 'admin', booking.id);

    // 20 starts within about a second.
    for (let i = 0; i < 20; i++) {
      buyerTab.socket.emit('typing:start', { bookingId: booking.id });
      await sleep(50);
    }
    const relayed = await sellerSocket.waitFor('typing:start');
    expect(relayed).toEqual({ bookingId: booking.id, userId: buyer });
    await sleep(SETTLE_MS);

    expect(typingOf(sellerSocket)).toEqual([{ bookingId: booking.id, userId: buyer }]);
    // The sender's other tab is in the room and is not the sending socket: it gets it.
    expect(typingOf(buyerOtherTab)).toEqual([{ bookingId: booking.id, userId: buyer }]);
    expect(typingOf(admin)).toEqual([{ bookingId: booking.id, userId: buyer }]);
    // The sending socket gets none, nor a tab that never joined the room.
    expect(typingOf(buyerTab)).toEqual([]);
    expect(typingOf(buyerUnjoinedTab)).toEqual([]);
  });

  it('relays typing:stop to the room except the sending socket', async () => {
    const { seller, buyer, booking } = await bookingWithParties();
    const buyerTab = await joined(buyer, 'buyer', booking.id);
    const sellerSocket = await joined(seller, 'seller', booking.id);
    sellerSocket.socket.emit('typing:start', { bookingId: booking.id });
    sellerSocket.socket.emit('typing:stop', { bookingId: booking.id });
    expect(await buyerTab.waitFor('typing:stop')).toEqual({ bookingId: booking.id, userId: seller });
    expect(await buyerTab.waitFor('typing:start')).toEqual({ bookingId: booking.id, userId: seller });
    await sleep(SETTLE_MS);
    expect(typingOf(sellerSocket, 'typing:stop')).toEqual([]);
    expect(typingOf(sellerSocket)).toEqual([]);
  });

  it('relays a new typing:start once 3 s have passed since the last relayed one', async () => {
    const { seller, buyer, booking } = await bookingWithParties();
    const buyerTab = await joined(buyer, 'buyer', booking.id);
    const sellerSocket = await joined(seller, 'seller', booking.id);
    buyerTab.socket.emit('typing:start', { bookingId: booking.id });
    const firstSentAt = Date.now();
    await sellerSocket.waitFor('typing:start');
    // Extras inside the interval are dropped and do not push the interval forward.
    await sleep(TYPING_INTERVAL_MS / 2);
    buyerTab.socket.emit('typing:start', { bookingId: booking.id });
    await sleep(firstSentAt + TYPING_INTERVAL_MS + 200 - Date.now());
    expect(typingOf(sellerSocket)).toHaveLength(1);
    buyerTab.socket.emit('typing:start', { bookingId: booking.id });
    await sellerSocket.waitFor('typing:start', () => typingOf(sellerSocket).length === 2);
    await sleep(SETTLE_MS);
    expect(typingOf(sellerSocket)).toEqual([
      { bookingId: booking.id, userId: buyer },
      { bookingId: booking.id, userId: buyer },
    ]);
  }, 10_000);

  it('limits per booking: typing in one booking does not suppress another', async () => {
    const seller = uid('s');
    const buyer = uid('b');
    const bookingA = await world.booking(buyer, (await world.listing(seller)).id);
    const bookingB = await world.booking(buyer, (await world.listing(seller)).id);
    const buyerTab = await world.connect(buyer, 'buyer');
    const sellerSocket = await world.connect(seller, 'seller');
    for (const id of [bookingA.id, bookingB.id]) {
      expect(await buyerTab.ack('booking:join', id)).toEqual({ ok: true });
      expect(await sellerSocket.ack('booking:join', id)).toEqual({ ok: true });
    }
    for (let i = 0; i < 3; i++) {
      buyerTab.socket.emit('typing:start', { bookingId: bookingA.id });
      buyerTab.socket.emit('typing:start', { bookingId: bookingB.id });
    }
    await sellerSocket.waitFor('typing:start', (p) => p.bookingId === bookingA.id);
    await sellerSocket.waitFor('typing:start', (p) => p.bookingId === bookingB.id);
    await sleep(SETTLE_MS);
    const relayed = typingOf(sellerSocket);
    expect(relayed).toHaveLength(2);
    expect(relayed).toEqual(
      expect.arrayContaining([
        { bookingId: bookingA.id, userId: buyer },
        { bookingId: bookingB.id, userId: buyer },
      ]),
    );
  });

  it('limits per sender: one party typing does not suppress the other', async () => {
    const { seller, buyer, booking } = await bookingWithParties();
    const buyerTab = await joined(buyer, 'buyer', booking.id);
    const sellerSocket = await joined(seller, 'seller', booking.id);
    buyerTab.socket.emit('typing:start', { bookingId: booking.id });
    await sellerSocket.waitFor('typing:start');
    sellerSocket.socket.emit('typing:start', { bookingId: booking.id });
    expect(await buyerTab.waitFor('typing:start')).toEqual({ bookingId: booking.id, userId: seller });
  });

  it('does not relay typing from anyone who is not a party', async () => {
    const { seller, buyer, booking } = await bookingWithParties();
    const buyerTab = await joined(buyer, 'buyer', booking.id);
    const sellerSocket = await joined(seller, 'seller', booking.id);
    const stranger = await world.connect(uid('stranger'), 'buyer');
    const strangerSeller = await world.connect(uid('stranger'), 'seller');
    // An admin may be in the room, but typing is for parties only.
    const admin = await joined(uid('admin'), 'admin', booking.id);
    for (const client of [stranger, strangerSeller, admin]) {
      client.socket.emit('typing:start', { bookingId: booking.id });
      client.socket.emit('typing:stop', { bookingId: booking.id });
    }
    // A party typing afterwards still gets through, so the room works.
    await sleep(SETTLE_MS);
    buyerTab.socket.emit('typing:start', { bookingId: booking.id });
    await sellerSocket.waitFor('typing:start');
    await sleep(SETTLE_MS);
    expect(typingOf(sellerSocket)).toEqual([{ bookingId: booking.id, userId: buyer }]);
    expect(typingOf(sellerSocket, 'typing:stop')).toEqual([]);
    expect(typingOf(buyerTab)).toEqual([]);
    expect(typingOf(buyerTab, 'typing:stop')).toEqual([]);
    for (const client of [stranger, strangerSeller]) {
      expect(typingOf(client)).toEqual([]);
      expect(typingOf(client, 'typing:stop')).toEqual([]);
    }
  });

  it('ignores malformed typing payloads without relaying or disconnecting', async () => {
    const { seller, buyer, booking } = await bookingWithParties();
    const buyerTab = await joined(buyer, 'buyer', booking.id);
    const sellerSocket = await joined(seller, 'seller', booking.id);
    for (const bad of [undefined, null, 'x', 42, [booking.id], { bookingId: 'a:b' }, { bookingId: 7 }, {}]) {
      buyerTab.socket.emit('typing:start', bad);
      buyerTab.socket.emit('typing:stop', bad);
    }
    await sleep(SETTLE_MS);
    expect(typingOf(sellerSocket)).toEqual([]);
    expect(typingOf(sellerSocket, 'typing:stop')).toEqual([]);
    expect(buyerTab.socket.connected).toBe(true);
    // The dropped attempts did not use up the sender's allowance.
    buyerTab.socket.emit('typing:start', { bookingId: booking.id });
    expect(await sellerSocket.waitFor('typing:start')).toEqual({ bookingId: booking.id, userId: buyer });
  });
});
