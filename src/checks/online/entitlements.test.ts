import { describe, expect, it } from 'vitest';
import type { Booking, Listing } from '../../contract/index.ts';
import { createEntitlements } from './entitlements.ts';

const listing = (id: string, sellerId: string, isPrivate: boolean): Listing => ({ id, sellerId, title: id, price: 1, private: isPrivate, available: true, version: 1 });
const booking = (id: string, listingId: string, buyerId: string, sellerId: string): Booking => ({ id, listingId, buyerId, sellerId, status: 'requested', version: 1 });

const world = {
  sellers: ['s1', 's2'],
  buyers: ['b1', 'b2'],
  admins: ['a1'],
  listings: [listing('lpriv', 's1', true), listing('lpub', 's2', false), listing('lpriv2', 's2', true)],
  bookings: [booking('bk1', 'lpriv', 'b1', 's1')],
};
const buyer = (userId: string) => ({ userId, role: 'buyer' });
const admin = { userId: 'a1', role: 'admin' };

describe('entitlements: who may receive what, from the world the harness seeded', () => {
  const e = createEntitlements(world);
  it.each([
    ['a party gets its booking\'s message', buyer('b1'), 'message:new', { bookingId: 'bk1', senderId: 's1' }, undefined],
    ['an admin gets any booking\'s events', admin, 'booking:statusChanged', { bookingId: 'bk1' }, undefined],
    ['a stranger gets a booking\'s message', buyer('b2'), 'message:new', { bookingId: 'bk1', senderId: 's1' }, 'leak'],
    ['a stranger gets a booking\'s typing', buyer('b2'), 'typing:start', { bookingId: 'bk1', userId: 'b1' }, 'leak'],
    ['a party gets a message written by a non-party', buyer('b1'), 'message:new', { bookingId: 'bk1', senderId: 'a1' }, 'write'],
    ['a party gets a read by a non-party', { userId: 's1', role: 'seller' }, 'read:updated', { bookingId: 'bk1', readerId: 'b2' }, 'write'],
    ['anyone gets a public listing\'s price', buyer('b2'), 'listing:priceChanged', { listingId: 'lpub' }, undefined],
    ['a buyer with a booking on a private listing gets its price', buyer('b1'), 'listing:priceChanged', { listingId: 'lpriv' }, undefined],
    ['the owner gets its private listing\'s price', { userId: 's2', role: 'seller' }, 'listing:priceChanged', { listingId: 'lpriv2' }, undefined],
    ['a stranger gets a private listing\'s price', buyer('b2'), 'listing:availabilityChanged', { listingId: 'lpriv' }, 'leak'],
    ['anyone gets a seller\'s presence', buyer('b2'), 'presence:changed', { userId: 's1' }, undefined],
    ['a non-admin gets a buyer\'s presence', { userId: 's1', role: 'seller' }, 'presence:changed', { userId: 'b1' }, 'leak'],
    ['the seller gets its booking notification', { userId: 's2', role: 'seller' }, 'notification', { type: 'booking:requested', bookingId: 'new', listingId: 'lpub', buyerId: 'b2' }, undefined],
    ['the buyer named gets it too (a server may notify it)', buyer('b2'), 'notification', { type: 'booking:requested', bookingId: 'new', listingId: 'lpub', buyerId: 'b2' }, undefined],
    ['a watcher of the listing gets the seller\'s notification', buyer('b1'), 'notification', { type: 'booking:requested', bookingId: 'new', listingId: 'lpub', buyerId: 'b2' }, 'leak'],
    ['a room the harness does not know is not judged', buyer('b2'), 'message:new', { bookingId: 'elsewhere', senderId: 'x' }, undefined],
    ['a payload that is no object is not judged', buyer('b2'), 'message:new', 'x', undefined],
  ])('%s', (_, recipient, event, payload, kind) => {
    expect(e.judge(recipient, event, payload)?.kind).toBe(kind);
  });

  it('a booking made during the run entitles its buyer to the private listing', () => {
    const later = createEntitlements(world);
    expect(later.judge(buyer('b2'), 'listing:priceChanged', { listingId: 'lpriv2' })?.kind).toBe('leak');
    later.learnBooking(booking('bk2', 'lpriv2', 'b2', 's2'));
    expect(later.judge(buyer('b2'), 'listing:priceChanged', { listingId: 'lpriv2' })).toBeUndefined();
    expect(later.isParty('bk2', 'b2')).toBe(true);
    expect(later.isParty('bk2', 'b1')).toBe(false);
  });

  it('says who may receive, and who received, in its evidence', () => {
    expect(e.judge(buyer('b2'), 'message:new', { bookingId: 'bk1', senderId: 's1' })).toEqual({
      kind: 'leak',
      room: 'booking:bk1',
      expected: 'message:new of booking bk1 only for its buyer b1, its seller s1 and admins',
      observed: 'received by b2 (buyer), not entitled to booking:bk1',
    });
  });
});

describe('entitlements: bookings learned during the run are held while in use', () => {
  it('forgets an idle booking nobody is in, never a seeded one, and judges it again once joined with its record', () => {
    const e = createEntitlements(world);
    e.learnBooking(booking('bk2', 'lpub', 'b2', 's2'), 0);
    e.learnBooking(booking('bk3', 'lpub', 'b1', 's2'), 0);
    e.learnBooking(booking('bk4', 'lpub', 'b1', 's2'), 0);
    e.seen('bk3', 50); // an event of bk3 keeps it in use
    expect(e.learned()).toBe(3);
    expect(e.forgetIdle(10, (id) => id === 'bk4')).toEqual(['bk2']);
    expect(e.learned()).toBe(2);
    const leak = (id: string) => e.judge(buyer('b9'), 'message:new', { bookingId: id, senderId: 'b1' })?.kind;
    expect([leak('bk1'), leak('bk3'), leak('bk4')]).toEqual(['leak', 'leak', 'leak']);
    // Forgotten: judged as a booking the harness does not know (no false leak for its own party either).
    expect(leak('bk2')).toBeUndefined();
    expect(e.judge(buyer('b2'), 'message:new', { bookingId: 'bk2', senderId: 'b2' })).toBeUndefined();
    // Joined again with its record (learnBooking): judged again.
    e.learnBooking(booking('bk2', 'lpub', 'b2', 's2'), 100);
    expect(leak('bk2')).toBe('leak');
    // Everyone gone: only the seeded world is held.
    expect(e.forgetIdle(1_000, () => false).sort()).toEqual(['bk2', 'bk3', 'bk4']);
    expect(e.learned()).toBe(0);
    expect(leak('bk1')).toBe('leak');
  });

  it('finds every idle booking whatever the order of events: one in use since is skipped, not a stop', () => {
    const e = createEntitlements(world);
    e.learnBooking(booking('bkA', 'lpub', 'b1', 's2'), 0);
    e.learnBooking(booking('bkB', 'lpub', 'b2', 's2'), 10_000);
    e.seen('bkA', 50_000); // in use again, still ahead of bkB in the order
    expect(e.forgetIdle(40_000, () => false)).toEqual(['bkB']);
    for (let t = 100_000; t <= 2_000_000; t += 50_000) {
      e.seen('bkA', t);
      if (t === 1_000_000) e.learnBooking(booking('bkC', 'lpub', 'b2', 's2'), t);
    }
    expect(e.forgetIdle(1_500_000, () => false)).toEqual(['bkC']);
    expect(e.forgetIdle(2_000_001, () => false)).toEqual(['bkA']);
    expect(e.learned()).toBe(0);
  });

  it("keeps a private listing's buyer entitled after its booking is forgotten (no false leak)", () => {
    const e = createEntitlements(world);
    e.learnBooking(booking('bk5', 'lpriv2', 'b2', 's2'), 0);
    e.forgetIdle(10, () => false);
    expect(e.judge(buyer('b2'), 'listing:priceChanged', { listingId: 'lpriv2' })).toBeUndefined();
    expect(e.judge(buyer('b1'), 'listing:priceChanged', { listingId: 'lpriv2' })?.kind).toBe('leak');
  });
});
