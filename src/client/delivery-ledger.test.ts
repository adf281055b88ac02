import { describe, expect, it } from 'vitest';
import { createDeliveryLedger, deliveryStreams, type Fanout } from './delivery-ledger.ts';
import { createRoomCensus } from './room-census.ts';

const TIMEOUT_US = 1_000_000;
const ROOM = 'booking:b1';
const LISTING = 'listing:l1';
const message: Fanout = { event: 'message:new', room: ROOM };
const availability: Fanout = { event: 'listing:availabilityChanged', room: LISTING };
const price: Fanout = { event: 'listing:priceChanged', room: LISTING };

function setup() {
  const census = createRoomCensus();
  const delivered: { event: string; latencyUs: number }[] = [];
  const lost: string[] = [];
  const losses: { receiver: object; sentAtUs: number; cause: string; seq?: number }[] = [];
  const ledger = createDeliveryLedger({
    membership: census,
    timeoutUs: TIMEOUT_US,
    outcomes: {
      delivered: (fanout, sentAtUs, arrivedAtUs) => void delivered.push({ event: fanout.event, latencyUs: arrivedAtUs - sentAtUs }),
      lost: (fanout, receiver, sentAtUs, cause, seq) => {
        lost.push(fanout.event);
        losses.push({ receiver, sentAtUs, cause, ...(seq === undefined ? {} : { seq }) });
      },
    },
  });
  return { census, ledger, delivered, lost, losses };
}

describe('messages (matched by clientMsgId)', () => {
  it("names a lost message's seq, from its ack, so its gap is not counted again", () => {
    const { census, ledger, losses } = setup();
    const a = {};
    census.join(ROOM, a, 0);
    const key = deliveryStreams.message('m1');
    ledger.sent(key, message, 100);
    ledger.accepted(key, true, 7);
    ledger.sweep(100 + TIMEOUT_US);
    expect(losses).toEqual([{ receiver: a, sentAtUs: 100, cause: key, seq: 7 }]);
  });

  it('owes a read receipt to every connection in the sender\'s user room, like any keyed delivery', () => {
    const { census, ledger, lost } = setup();
    const [inBooking, phone] = [{}, {}];
    census.join('user:s1', inBooking, 0);
    census.join('user:s1', phone, 0);
    const key = deliveryStreams.read('m1');
    ledger.sent(key, { event: 'read:updated', room: 'user:s1' }, 100);
    ledger.accepted(key, true);
    ledger.arrivedKeyed(key, inBooking, 200);
    ledger.sweep(100 + TIMEOUT_US);
    expect(lost).toEqual(['read:updated']);
  });

  it('times each owed receiver from the send and holds nothing once all have it', () => {
    const { census, ledger, delivered } = setup();
    const [a, b] = [{}, {}];
    census.join(ROOM, a, 0);
    census.join(ROOM, b, 0);
    const key = deliveryStreams.message('m1');
    expect(ledger.sent(key, message, 100)).toBe(true);
    ledger.arrivedKeyed(key, a, 150);
    ledger.accepted(key, true);
    ledger.arrivedKeyed(key, b, 400);
    expect(delivered.map((d) => d.latencyUs)).toEqual([50, 300]);
    expect(ledger.sizes().pending).toBe(0);
    expect(ledger.isEmpty()).toBe(true);
  });

  it('counts a receiver owed the message and without it at the deadline, once, not before', () => {
    const { census, ledger, lost, delivered } = setup();
    const [a, b] = [{}, {}];
    census.join(ROOM, a, 0);
    census.join(ROOM, b, 0);
    const key = deliveryStreams.message('m1');
    ledger.sent(key, message, 100);
    ledger.accepted(key, true);
    ledger.arrivedKeyed(key, a, 200);
    ledger.sweep(100 + TIMEOUT_US - 1);
    expect(lost).toEqual([]);
    ledger.sweep(100 + TIMEOUT_US);
    ledger.sweep(100 + 2 * TIMEOUT_US);
    expect(lost).toEqual(['message:new']);
    expect(delivered).toHaveLength(1);
    expect(ledger.isEmpty()).toBe(true);
  });

  it('names the receiver that lost it, the send time and the cause (evidence for a loss violation)', () => {
    const { census, ledger, losses } = setup();
    const [a, b] = [{ name: 'a' }, { name: 'b' }];
    census.join(ROOM, a, 0);
    census.join(ROOM, b, 0);
    const key = deliveryStreams.message('m1');
    ledger.sent(key, message, 100);
    ledger.accepted(key, true);
    ledger.arrivedKeyed(key, a, 200);
    ledger.sweep(100 + TIMEOUT_US);
    expect(losses).toEqual([{ receiver: b, sentAtUs: 100, cause: key }]);
  });

  it('owes nothing for a refused send, and waits for the ack before judging', () => {
    const { census, ledger, lost } = setup();
    census.join(ROOM, {}, 0);
    const refused = deliveryStreams.message('refused');
    const slowAck = deliveryStreams.message('slow-ack');
    ledger.sent(refused, message, 0);
    ledger.sent(slowAck, message, 0);
    ledger.sweep(2 * TIMEOUT_US);
    expect(ledger.sizes().pending).toBe(2); // no ack yet: it may still be refused
    ledger.refused(refused);
    ledger.refused(slowAck);
    ledger.sweep(3 * TIMEOUT_US);
    expect(lost).toEqual([]);
    expect(ledger.isEmpty()).toBe(true);
  });

  it('keeps the first send of a key in flight: a retry is not its cause', () => {
    const { census, ledger, delivered } = setup();
    const a = {};
    census.join(ROOM, a, 0);
    const key = deliveryStreams.message('m1');
    expect(ledger.sent(key, message, 100)).toBe(true);
    expect(ledger.sent(key, message, 700)).toBe(false);
    ledger.arrivedKeyed(key, a, 800);
    expect(delivered.map((d) => d.latencyUs)).toEqual([700]);
  });

  it('does not judge an unjudged send (a caller-chosen id may be a retry the server answers without a delivery)', () => {
    const { census, ledger, lost } = setup();
    census.join(ROOM, {}, 0);
    const key = deliveryStreams.message('mine');
    ledger.sent(key, message, 0);
    ledger.accepted(key, false);
    ledger.sweep(TIMEOUT_US);
    expect(lost).toEqual([]);
    expect(ledger.isEmpty()).toBe(true);
  });

  it.each([
    ['left the room before the deadline', (census: ReturnType<typeof createRoomCensus>, r: object) => census.leave(ROOM, r)],
    ['lost its connection and came back (a break in membership)', (census: ReturnType<typeof createRoomCensus>, r: object) => {
      census.leave(ROOM, r);
      census.join(ROOM, r, 500);
    }],
  ])('owes nothing to a receiver that %s', (_, change) => {
    const { census, ledger, lost } = setup();
    const r = {};
    census.join(ROOM, r, 0);
    const key = deliveryStreams.message('m1');
    ledger.sent(key, message, 100);
    ledger.accepted(key, true);
    change(census, r);
    ledger.sweep(100 + TIMEOUT_US);
    expect(lost).toEqual([]);
  });

  it('owes nothing to a receiver that joined after the send, but times its arrival while the send is in flight', () => {
    const { census, ledger, lost, delivered } = setup();
    const [early, late] = [{}, {}];
    census.join(ROOM, early, 0);
    const key = deliveryStreams.message('m1');
    ledger.sent(key, message, 100);
    ledger.accepted(key, true);
    census.join(ROOM, late, 150);
    ledger.arrivedKeyed(key, late, 200);
    ledger.sweep(100 + TIMEOUT_US);
    expect(delivered).toHaveLength(1);
    expect(lost).toEqual(['message:new']); // `early` only
  });
});

describe('price and status changes (matched by the version the answer names)', () => {
  it('times arrivals that came before the answer from the send whose answer names their version', () => {
    const { census, ledger, delivered, lost } = setup();
    const w = {};
    census.join(LISTING, w, 0);
    const stream = deliveryStreams.price('l1');
    // Two changes to the same price: told apart by version, each timed from its own send.
    ledger.arrived(stream, 2, w, 300); // emitted before the first answer came back
    ledger.caused(stream, 2, price, 100);
    ledger.caused(stream, 3, price, 1_000);
    ledger.arrived(stream, 3, w, 1_050);
    expect(delivered.map((d) => d.latencyUs)).toEqual([200, 50]);
    ledger.sweep(10 * TIMEOUT_US);
    expect(lost).toEqual([]);
    expect(ledger.isEmpty()).toBe(true);
  });

  it('drops arrivals no answer claims within the claim window (memory holds what is in flight)', () => {
    const { census, ledger, delivered } = setup();
    const w = {};
    census.join(LISTING, w, 0);
    for (let v = 1; v <= 100; v++) ledger.arrived(deliveryStreams.price('l1'), v, w, v);
    expect(ledger.sizes().unclaimed).toBe(100);
    ledger.sweep(200 + TIMEOUT_US);
    expect(ledger.isEmpty()).toBe(true);
    expect(delivered).toEqual([]);
  });

  it('counts an owed receiver without the change at the deadline', () => {
    const { census, ledger, lost } = setup();
    census.join(LISTING, {}, 0);
    ledger.caused(deliveryStreams.price('l1'), 2, price, 100);
    ledger.sweep(100 + TIMEOUT_US);
    expect(lost).toEqual(['listing:priceChanged']);
  });
});

describe('availability (the winning answer claims the next change of the listing)', () => {
  const unavailable = deliveryStreams.availability('l1', false);
  const available = deliveryStreams.availability('l1', true);

  it('times the change from the winning attempt, whether its answer comes before or after the arrival', () => {
    const { census, ledger, delivered, lost } = setup();
    const w = {};
    census.join(LISTING, w, 0);
    // The winner sent at 100; a loser sent at 250 gets a 409 and claims nothing.
    ledger.arrived(unavailable, 2, w, 300);
    ledger.causedNext(unavailable, availability, 100);
    // The seller declines (sent at 400); its answer comes before the watcher hears of it.
    ledger.causedNext(available, availability, 400);
    ledger.arrived(available, 3, w, 450);
    expect(delivered.map((d) => d.latencyUs)).toEqual([200, 50]);
    ledger.sweep(10 * TIMEOUT_US);
    expect(lost).toEqual([]);
  });

  it('lets no later attempt claim a change that came before it was sent, or a late copy of a claimed one', () => {
    const { census, ledger, delivered } = setup();
    const [w1, w2] = [{}, {}];
    census.join(LISTING, w1, 0);
    census.join(LISTING, w2, 0);
    ledger.arrived(unavailable, 2, w1, 100); // caused by nothing of ours, before the send below
    ledger.causedNext(unavailable, availability, 200);
    expect(delivered).toEqual([]);
    ledger.arrived(unavailable, 4, w1, 300);
    ledger.arrived(unavailable, 4, w2, 320);
    ledger.arrived(unavailable, 4, w2, 330); // a duplicate after its cause completed
    expect(delivered.map((d) => d.latencyUs)).toEqual([100, 120]);
    expect(ledger.sizes().unclaimed).toBe(0);
  });

  it('counts the owed receivers of a winning change that never arrives', () => {
    const { census, ledger, lost } = setup();
    census.join(LISTING, {}, 0);
    census.join(LISTING, {}, 0);
    ledger.causedNext(unavailable, availability, 100);
    ledger.sweep(100 + TIMEOUT_US);
    expect(lost).toEqual(['listing:availabilityChanged', 'listing:availabilityChanged']);
    expect(ledger.isEmpty()).toBe(true);
  });
});

it('forgets everything uncounted when cleared (the run ended)', () => {
  const { census, ledger, lost } = setup();
  census.join(ROOM, {}, 0);
  ledger.sent(deliveryStreams.message('m1'), message, 0);
  ledger.accepted(deliveryStreams.message('m1'), true);
  ledger.clear();
  ledger.sweep(10 * TIMEOUT_US);
  expect(lost).toEqual([]);
  expect(ledger.isEmpty()).toBe(true);
});
