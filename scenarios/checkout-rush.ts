/* Checkout rush: hundreds of buyers race for the same few listings. Exactly one wins each
 * time (the rest get 409 conflict, which is expected here); the seller then declines so the
 * listing comes back and the race goes on. Watchers see availability flip. Passes when
 * booking calls stay fast and nothing fails other than the expected conflicts. */
import { defineScenario } from '../src/index.ts';

export default defineScenario({
  world: { sellers: 5, listingsPerSeller: 2, buyers: 400 },
  executor: { type: 'constant-arrival-rate', rate: 60, duration: '20s', preAllocatedVUs: 60, maxVUs: 400 },
  thresholds: {
    'http{route:POST /api/bookings}': ['p(95)<300ms'],
    'errors{code:internal}': ['count==0'],
    'errors{code:ack_timeout}': ['count==0'],
  },
  async setup({ buyer, listing }) {
    await buyer.watch(listing!);
  },
  async iteration({ buyer, seller, listing }) {
    const attempt = await buyer.book(listing!);
    if (attempt.status === 201) {
      // The winner's seller declines: the listing is back for the next wave.
      await seller.transition(attempt.body.id, 'declined');
    } else if (attempt.status !== 409) {
      throw new Error(`booking answered ${attempt.status}`);
    }
  },
});
