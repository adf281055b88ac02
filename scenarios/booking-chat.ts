/* Booking chat: buyers and sellers talk inside their bookings at a rising rate, as a busy
 * evening does. Each arrival is one exchange: the buyer asks, the seller sees it and answers,
 * then both write at once (they often do: "thanks!" crossing "anything else?"), so two senders
 * share a booking at the same moment, as they do when ordering across nodes breaks.
 * Passes when send acks stay fast, messages reach the other party quickly, and every socket
 * sees each booking's messages in order (the run's online checks). */
import { defineScenario } from '../src/index.ts';

export default defineScenario({
  world: { sellers: 50, listingsPerSeller: 4, bookings: 200 },
  executor: {
    type: 'ramping-arrival-rate',
    startRate: 10,
    stages: [
      { target: 100, duration: '20s' },
      { target: 100, duration: '20s' },
    ],
    preAllocatedVUs: 100,
    maxVUs: 400,
  },
  thresholds: {
    'ack{event:message:send}': ['p(95)<150ms'],
    'delivery{event:message:new}': ['p(99)<300ms'],
    ack_timeouts: ['count==0'],
  },
  async setup({ buyer, seller, booking }) {
    await Promise.all([buyer.join(booking!), seller.join(booking!)]);
  },
  async iteration({ buyer, seller, booking, think }) {
    const question = seller.expect('message:new', (m) => m.senderId === buyer.userId, 5_000);
    await buyer.send(booking!, 'hi! is it still available for the weekend?');
    await question;
    await think('300ms', { jitter: 0.5 });
    await seller.send(booking!, 'yes, it is: want me to hold it?');
    await think('300ms', { jitter: 0.5 });
    await Promise.all([buyer.send(booking!, 'yes please, thanks!'), seller.send(booking!, 'anything else I can help with?')]);
  },
});
