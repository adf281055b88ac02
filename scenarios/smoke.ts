/* Smoke: a handful of buyers and sellers walk every step of the contract once, in a few
 * seconds: connect, watch, join, chat, typing, read receipts, a price change, a booking
 * transition, history, presence, a reconnect. Passes when every step works and nothing
 * errors; run it first against a new server. */
import { defineScenario } from '../src/index.ts';

export default defineScenario({
  world: { sellers: 2, listingsPerSeller: 2, bookings: 2 },
  executor: { type: 'per-vu-iterations', vus: 2, iterations: 1, maxDuration: '30s' },
  options: { ackTimeout: '5s' },
  thresholds: {
    errors: ['count==0'],
    expect_timeouts: ['count==0'],
    'ack{event:message:send}': ['p(95)<1s'],
    'delivery{event:message:new}': ['p(95)<1s'],
  },
  async iteration({ buyer, seller, booking, listing, think }) {
    if (!booking || !listing) throw new Error('smoke needs a booking in its world');
    await Promise.all([buyer.connect(), seller.connect()]);
    await seller.watch(listing);
    await Promise.all([buyer.join(booking), seller.join(booking)]);
    await buyer.watchPresence(seller.userId);

    // chat, typing and a read receipt
    const arrival = seller.expect('message:new', (m) => m.bookingId === booking.id);
    const sent = await buyer.send(booking, 'hi, is it still available?');
    if (!sent.ok) throw new Error(`send failed: ${sent.error.code}`);
    await arrival;
    const typing = buyer.expect('typing:start', (t) => t.userId === seller.userId);
    await seller.typing(booking, 'start');
    await typing;
    const receipt = buyer.expect('read:updated', (r) => r.messageId === sent.message.id);
    await seller.read(booking, sent.message.id);
    await receipt;

    // listing and booking state
    const priced = seller.expect('listing:priceChanged', (p) => p.listingId === listing.id);
    await seller.changePrice(listing, listing.price + 1);
    await priced;
    const accepted = buyer.expect('booking:statusChanged', (s) => s.bookingId === booking.id && s.to === 'accepted');
    await seller.transition(booking, 'accepted');
    await accepted;
    await buyer.history(booking);

    await think('200ms', { jitter: 0.5 });
    await buyer.reconnect();
    await seller.unwatch(listing);
    await buyer.leave(booking);
  },
});
