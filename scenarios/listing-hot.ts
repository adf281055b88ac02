/* A hot listing: one listing, a thousand watchers, and a seller changing its price every
 * half second. Fan-out delivery is measured from the seller's PATCH to each watcher's arrival,
 * per room size. Passes when price changes reach watchers quickly even in a big room. */
import { defineScenario } from '../src/index.ts';

export default defineScenario({
  world: { sellers: 1, listingsPerSeller: 1 },
  // Watchers wait longer than the seller's period; at the end their last wait is cut short.
  options: { gracefulStop: '1s' },
  thresholds: {
    'delivery{event:listing:priceChanged}': ['p(95)<500ms'],
    'ack{event:listing:watch}': ['p(95)<1s'],
    expect_timeouts: ['count==0'],
  },
  actors: {
    watchers: {
      executor: { type: 'constant-vus', vus: 1000, duration: '30s' },
      async setup({ vu, user, world }) {
        await user(`watcher-${vu}`, 'buyer').watch(world.listings[0]!);
      },
      async iteration({ vu, user, world }) {
        const listing = world.listings[0]!;
        await user(`watcher-${vu}`, 'buyer').expect('listing:priceChanged', (p) => p.listingId === listing.id, 10_000);
      },
    },
    seller: {
      startTime: '5s',
      executor: { type: 'constant-arrival-rate', rate: 2, duration: '24s', preAllocatedVUs: 1, maxVUs: 2 },
      async iteration({ seller, world, vu, iteration }) {
        const listing = world.listings[0]!;
        // A price no earlier change used, so each arrival is matched to its own change.
        await seller.changePrice(listing, 100 + vu * 100_000 + iteration + Math.random());
      },
    },
  },
});
