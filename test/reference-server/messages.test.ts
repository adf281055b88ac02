import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeAllClients, sleep, type TestClient } from '../helpers/client.ts';
import { startWorld, type TestWorld } from '../helpers/world.ts';

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

describe('message:send (contract §5, guarantees 1 and 2)', () => {
  it('acks with the stored message and emits message:new to the room', async () => {
    const { buyer, seller, booking } = await bookingWithParties();
    const sender = await joined(buyer, 'buyer', booking.id);
    const receiver = await joined(seller, 'seller', booking.id);
    const ack = await sender.ack('message:send', { bookingId: booking.id, body: '  hello  ', clientMsgId: 'c1' });
    expect(ack).toMatchObject({ ok: true, message: { bookingId: booking.id, seq: 1, senderId: buyer, body: 'hello', clientMsgId: 'c1' } });
    expect(typeof ack.message.sentAt).toBe('number');
    expect(await receiver.waitFor('message:new')).toEqual(ack.message);
  });

  it('keeps seq strictly increasing with no gaps or duplicates at every receiver under concurrent senders', async () => {
    const { buyer, seller, booking } = await bookingWithParties();
    const senders = [
      await joined(buyer, 'buyer', booking.id),
      await joined(buyer, 'buyer', booking.id),
      await joined(seller, 'seller', booking.id),
      await joined(seller, 'seller', booking.id),
    ];
    const receivers = [await joined(buyer, 'buyer', booking.id), await joined(seller, 'seller', booking.id), await joined('admin1', 'admin', booking.id)];
    const perSender = 25;
    const total = senders.length * perSender;
    const acks = await Promise.all(
      senders.flatMap((socket, s) =>
        Array.from({ length: perSender }, (_, i) =>
          socket.ack('message:send', { bookingId: booking.id, body: `s${s}-${i}`, clientMsgId: `s${s}-${i}` }, 10_000),
        ),
      ),
    );
    expect(acks.every((a) => a.ok)).toBe(true);
    expect(new Set(acks.map((a) => a.message.seq)).size).toBe(total);
    for (const receiver of [...receivers, ...senders]) {
      await receiver.waitFor('message:new', (m) => m.seq === total, 10_000);
      const seqs = receiver.payloadsOf('message:new').map((m) => m.seq);
      expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    }
    const history = await world.http('GET', `/api/bookings/${booking.id}/messages`, { as: [buyer, 'buyer'] });
    expect(history.body.messages.map((m: any) => m.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(new Set(history.body.messages.map((m: any) => m.body)).size).toBe(total);
  });

  it('answers a retried clientMsgId with the first message and emits it once', async () => {
    const { buyer, seller, booking } = await bookingWithParties();
    const sender = await joined(buyer, 'buyer', booking.id);
    const receiver = await joined(seller, 'seller', booking.id);
    const first = await sender.ack('message:send', { bookingId: booking.id, body: 'once', clientMsgId: 'retry-me' });
    const retries = await Promise.all(
      Array.from({ length: 5 }, () => sender.ack('message:send', { bookingId: booking.id, body: 'once again', clientMsgId: 'retry-me' })),
    );
    for (const retry of retries) expect(retry).toEqual(first);
    const marker = await sender.ack('message:send', { bookingId: booking.id, body: 'after', clientMsgId: 'marker' });
    expect(marker.message.seq).toBe(2);
    await receiver.waitFor('message:new', (m) => m.clientMsgId === 'marker');
    expect(receiver.payloadsOf('message:new').map((m) => m.clientMsgId)).toEqual(['retry-me', 'marker']);
  });

  it('scopes clientMsgId to its sender: the other party may reuse it', async () => {
    const { buyer, seller, booking } = await bookingWithParties();
    const a = await joined(buyer, 'buyer', booking.id);
    const b = await joined(seller, 'seller', booking.id);
    const first = await a.ack('message:send', { bookingId: booking.id, body: 'x', clientMsgId: 'same' });
    const second = await b.ack('message:send', { bookingId: booking.id, body: 'y', clientMsgId: 'same' });
    expect([first.message.seq, second.message.seq]).toEqual([1, 2]);
  });

  it('delivers to a socket that joined after earlier messages only what came after its join', async () => {
    const { buyer, seller, booking } = await bookingWithParties();
    const sender = await joined(buyer, 'buyer', booking.id);
    await sender.ack('message:send', { bookingId: booking.id, body: 'before', clientMsgId: 'c1' });
    const late = await joined(seller, 'seller', booking.id);
    await sender.ack('message:send', { bookingId: booking.id, body: 'after', clientMsgId: 'c2' });
    await late.waitFor('message:new', (m) => m.seq === 2);
    expect(late.payloadsOf('message:new').map((m) => m.seq)).toEqual([2]);
  });

  it('refuses non-parties (admins included) with forbidden and no effect anyone can see', async () => {
    const { buyer, seller, booking } = await bookingWithParties();
    const member = await joined(seller, 'seller', booking.id);
    for (const [sub, role] of [[uid('b'), 'buyer'], [uid('s'), 'seller'], ['admin1', 'admin']] as const) {
      const intruder = await world.connect(sub, role);
      const ack = await intruder.ack('message:send', { bookingId: booking.id, body: 'let me in', clientMsgId: 'x' });
      expect(ack).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
    const own = await (await joined(buyer, 'buyer', booking.id)).ack('message:send', { bookingId: booking.id, body: 'mine', clientMsgId: 'm' });
    expect(own.message.seq).toBe(1);
    await member.waitFor('message:new', (m) => m.seq === 1);
    await sleep(50);
    expect(member.payloadsOf('message:new')).toHaveLength(1);
  });

  it('answers not_found for an unknown booking', async () => {
    const client = await world.connect(uid('b'), 'buyer');
    const ack = await client.ack('message:send', { bookingId: 'nope', body: 'x', clientMsgId: 'c' });
    expect(ack).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });
});
