/* Read receipts: sellers answer, buyers read, and each read receipt travels back to the
 * sender's user room, reaching the seller's phone too, which is connected but never opens the
 * booking. Measures the read:mark ack and how long a sender waits to see "read"; every run
 * checks that each receipt reached every connection of the sender (`reads` violations). */
import { defineScenario } from '../src/index.ts';

export default defineScenario({
  world: { sellers: 20, listingsPerSeller: 5, bookings: 100 },
  // A receipt not at every connection of the sender within 2 s is lost (a `reads` violation).
  options: { deliveryTimeout: '2s' },
  thresholds: {
    'ack{event:read:mark}': ['p(95)<150ms'],
    'ack{event:message:send}': ['p(95)<150ms'],
    expect_timeouts: ['count==0'],
  },
  actors: {
    reads: {
      executor: { type: 'constant-arrival-rate', rate: 40, duration: '30s', preAllocatedVUs: 50, maxVUs: 200 },
      async setup({ buyer, seller, booking }) {
        await Promise.all([buyer.join(booking!), seller.join(booking!)]);
      },
      async iteration({ buyer, seller, booking }) {
        const sent = await seller.send(booking!, 'your keys are in the lockbox');
        if (!sent.ok) return;
        const receipt = seller.expect('read:updated', (r) => r.messageId === sent.message.id, 5_000);
        // Given the booking itself, the harness knows whom the receipt is owed to: the seller.
        await buyer.read(booking!, sent.message.id);
        await receipt;
      },
    },
    phones: {
      // Every seller's phone, held by one VU: connected, in no booking; receipts reach it
      // through the seller's user room.
      executor: { type: 'constant-vus', vus: 1, duration: '30s' },
      async setup({ user, world }) {
        await Promise.all(world.sellers.map((id) => user(id, 'seller').connect()));
      },
      async iteration({ think }) {
        await think('1s');
      },
    },
  },
});
