import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeAllClients, sleep, type TestClient } from '../helpers/client.ts';
import { startWorld, type TestWorld } from '../helpers/world.ts';

/** Long enough for any event still in flight to have arrived. */
const SETTLE_MS = 300;

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

async function send(client: TestClient, bookingId: string, body = 'hello') {
  const ack = await client.ack('message:send', { bookingId, body, clientMsgId: uid('c') });
  expect(ack.ok).toBe(true);
  return ack.message as { id: string; seq: number; senderId: string };
}

async function history(bookingId: string, as: [string, 'buyer' | 'seller' | 'admin']) {
  const res = await world.http('GET', `/api/bookings/${bookingId}/messages`, { as });
  expect(res.status).toBe(200);
  return res.body.messages as { id: string; readAt: number | null }[];
}

const readAtIn = async (bookingId: string, messageId: string, as: [string, 'buyer' | 'seller' | 'admin']) =>
  (await history(bookingId, as)).find((m) => m.id === messageId)?.readAt;

describe('read:mark (contract §5, §6.6)', () => {
  it('acks readAt, tells every tab of the sender through its user room, and shows readAt in history', async () => {
    const { seller, buyer, booking } = await bookingWithParties();
    const sellerTab = await joined(seller, 'seller', booking.id);
    // A second tab of the sender that never joins the booking room.
    const sellerOtherTab = await world.connect(seller, 'seller');
    const buyerTab = await joined(buyer, 'buyer', booking.id);
    const message = await send(sellerTab, booking.id);
    expect(await readAtIn(booking.id, message.id, [buyer, 'buyer'])).toBeNull();

    const ack = await buyerTab.ack('read:mark', { bookingId: booking.id, messageId: message.id });
    expect(ack).toEqual({ ok: true, readAt: expect.any(Number) });
    const expected = { bookingId: booking.id, messageId: message.id, readerId: buyer, readAt: ack.readAt };
    expect(await sellerTab.waitFor('read:updated')).toEqual(expected);
    expect(await sellerOtherTab.waitFor('read:updated')).toEqual(expected);

    for (const as of [[buyer, 'buyer'], [seller, 'seller'], [uid('admin'), 'admin']] as const) {
      expect(await readAtIn(booking.id, message.id, [...as])).toBe(ack.readAt);
    }
    await sleep(SETTLE_MS);
    // Only the sender's user room: the reader is not told.
    expect(buyerTab.payloadsOf('read:updated')).toEqual([]);
  });

  it('works the other way round: the seller reads the buyer’s message', async () => {
    const { seller, buyer, booking } = await bookingWithParties();
    const buyerTab = await world.connect(buyer, 'buyer');
    const sellerTab = await world.connect(seller, 'seller');
    const message = await send(buyerTab, booking.id);
    const ack = await sellerTab.ack('read:mark', { bookingId: booking.id, messageId: message.id });
    expect(ack).toEqual({ ok: true, readAt: expect.any(Number) });
    expect(await buyerTab.waitFor('read:updated')).toEqual({
      bookingId: booking.id,
      messageId: message.id,
      readerId: seller,
      readAt: ack.readAt,
    });
  });

  it('repeating read:mark returns the same readAt and emits no second read:updated', async () => {
    const { seller, buyer, booking } = await bookingWithParties();
    const sellerTab = await world.connect(seller, 'seller');
    const buyerTab = await world.connect(buyer, 'buyer');
    const buyerOtherTab = await world.connect(buyer, 'buyer');
    const message = await send(sellerTab, booking.id);
    const first = await buyerTab.ack('read:mark', { bookingId: booking.id, messageId: message.id });
    await sellerTab.waitFor('read:updated');
    await sleep(20);
    const repeats = await Promise.all([
      buyerTab.ack('read:mark', { bookingId: booking.id, messageId: message.id }),
      buyerTab.ack('read:mark', { bookingId: booking.id, messageId: message.id }),
      buyerOtherTab.ack('read:mark', { bookingId: booking.id, messageId: message.id }),
    ]);
    for (const repeat of repeats) expect(repeat).toEqual({ ok: true, readAt: first.readAt });
    await sleep(SETTLE_MS);
    expect(sellerTab.payloadsOf('read:updated')).toHaveLength(1);
    expect(await readAtIn(booking.id, message.id, [seller, 'seller'])).toBe(first.readAt);
  });

  it('concurrent marks from both tabs of the reader settle on one readAt and one read:updated', async () => {
    const { seller, buyer, booking } = await bookingWithParties();
    const sellerTab = await world.connect(seller, 'seller');
    const readers = [await world.connect(buyer, 'buyer'), await world.connect(buyer, 'buyer')];
    const message = await send(sellerTab, booking.id);
    const acks = await Promise.all(readers.map((r) => r.ack('read:mark', { bookingId: booking.id, messageId: message.id })));
    expect(acks[0]).toEqual({ ok: true, readAt: expect.any(Number) });
    expect(acks[1]).toEqual(acks[0]);
    await sellerTab.waitFor('read:updated');
    await sleep(SETTLE_MS);
    expect(sellerTab.payloadsOf('read:updated')).toEqual([
      { bookingId: booking.id, messageId: message.id, readerId: buyer, readAt: acks[0].readAt },
    ]);
  });

  it('refuses the sender itself, a stranger and an admin with forbidden, and changes nothing', async () => {
    const { seller, buyer, booking } = await bookingWithParties();
    const sellerTab = await joined(seller, 'seller', booking.id);
    const buyerTab = await joined(buyer, 'buyer', booking.id);
    const message = await send(sellerTab, booking.id);
    const attempts: [string, TestClient][] = [
      ['the sender', sellerTab],
      ['a stranger buyer', await world.connect(uid('stranger'), 'buyer')],
      ['a stranger seller', await world.connect(uid('stranger'), 'seller')],
      ['an admin (not a party)', await joined(uid('admin'), 'admin', booking.id)],
    ];
    for (const [who, client] of attempts) {
      const ack = await client.ack('read:mark', { bookingId: booking.id, messageId: message.id });
      expect(ack, who).toMatchObject({ ok: false, error: { code: 'forbidden', message: expect.any(String) } });
    }
    await sleep(SETTLE_MS);
    expect(await readAtIn(booking.id, message.id, [buyer, 'buyer'])).toBeNull();
    for (const client of [sellerTab, buyerTab]) expect(client.payloadsOf('read:updated')).toEqual([]);
    // The recipient can still mark it afterwards.
    expect(await buyerTab.ack('read:mark', { bookingId: booking.id, messageId: message.id })).toMatchObject({ ok: true });
  });

  it('answers not_found for an unknown message or booking, bad_request for malformed ids', async () => {
    const { seller, buyer, booking } = await bookingWithParties();
    const sellerTab = await world.connect(seller, 'seller');
    const buyerTab = await world.connect(buyer, 'buyer');
    const message = await send(sellerTab, booking.id);
    expect(await buyerTab.ack('read:mark', { bookingId: booking.id, messageId: 'm_unknown' })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(await buyerTab.ack('read:mark', { bookingId: 'b_unknown', messageId: message.id })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    for (const bad of [
      undefined,
      null,
      'x',
      { bookingId: booking.id },
      { bookingId: booking.id, messageId: 'a:b' },
      { bookingId: [booking.id], messageId: message.id },
      { bookingId: booking.id, messageId: 5 },
    ]) {
      expect(await buyerTab.ack('read:mark', bad), JSON.stringify(bad)).toMatchObject({
        ok: false,
        error: { code: 'bad_request' },
      });
    }
    await sleep(SETTLE_MS);
    expect(await readAtIn(booking.id, message.id, [seller, 'seller'])).toBeNull();
    expect(sellerTab.payloadsOf('read:updated')).toEqual([]);
  });

  it('ignores read:mark sent without an ack', async () => {
    const { seller, buyer, booking } = await bookingWithParties();
    const sellerTab = await world.connect(seller, 'seller');
    const buyerTab = await world.connect(buyer, 'buyer');
    const message = await send(sellerTab, booking.id);
    buyerTab.socket.emit('read:mark', { bookingId: booking.id, messageId: message.id });
    await sleep(SETTLE_MS);
    expect(await readAtIn(booking.id, message.id, [seller, 'seller'])).toBeNull();
    expect(sellerTab.payloadsOf('read:updated')).toEqual([]);
  });

  it('a sender who was offline when its message was read finds readAt in history when back', async () => {
    const { seller, buyer, booking } = await bookingWithParties();
    const sellerTab = await world.connect(seller, 'seller');
    const message = await send(sellerTab, booking.id);
    sellerTab.close();
    const buyerTab = await world.connect(buyer, 'buyer');
    const ack = await buyerTab.ack('read:mark', { bookingId: booking.id, messageId: message.id });
    expect(ack).toEqual({ ok: true, readAt: expect.any(Number) });
    const back = await world.connect(seller, 'seller');
    await back.waitFor('session');
    expect(await readAtIn(booking.id, message.id, [seller, 'seller'])).toBe(ack.readAt);
  });

  it('marks one message only: the others stay unread', async () => {
    const { seller, buyer, booking } = await bookingWithParties();
    const sellerTab = await world.connect(seller, 'seller');
    const buyerTab = await world.connect(buyer, 'buyer');
    const messages = [await send(sellerTab, booking.id, 'one'), await send(sellerTab, booking.id, 'two'), await send(sellerTab, booking.id, 'three')];
    const ack = await buyerTab.ack('read:mark', { bookingId: booking.id, messageId: messages[1]!.id });
    const readAts = (await history(booking.id, [seller, 'seller'])).map((m) => m.readAt);
    expect(readAts).toEqual([null, ack.readAt, null]);
  });
});
