/* A marketplace day: thousands of users at once. Buyers chat with sellers in their bookings,
 * sellers reprice, people browse listing pages (watching one, then the next), sellers on flaky
 * phones drop and come back while buyers watch their presence, a checkout rush races for a few
 * listings halfway through, and intruders try every door they may not open: private listings,
 * others' bookings, writing, typing and reading in them, with plain and hostile payloads.
 * Passes when acks and deliveries stay fast and not one event breaks the contract: no reorder,
 * loss, stale version, or authorization leak, on any socket (the run's online checks).
 * At --scale 1 about 2,500 connections; `--scale 0.2` fits a laptop. */
import { defineScenario } from '../src/index.ts';

const SELLERS = 200;
const LISTINGS_PER_SELLER = 5;
const BOOKINGS = 600;
/** The checkout rush races for this many free public listings. */
const RUSHED = 10;

export default defineScenario({
  world: { sellers: SELLERS, listingsPerSeller: LISTINGS_PER_SELLER, privateRatio: 0.2, buyers: 1_500, bookings: BOOKINGS },
  options: { gracefulStop: '5s' },
  // Intruders arrive all day long, each trying 5 forbidden things at once.
  intruders: { rate: 20, attempts: 5 },
  thresholds: {
    'ack{event:message:send}': ['p(95)<250ms'],
    'delivery{event:message:new}': ['p(99)<500ms'],
    'delivery{event:listing:priceChanged}': ['p(95)<500ms'],
    'http{route:POST /api/bookings}': ['p(95)<500ms'],
    'errors{code:internal}': ['count==0'],
    // The default, written out: one contract violation of any kind fails the day.
    violations: ['count==0'],
  },
  actors: {
    chat: {
      executor: {
        type: 'ramping-arrival-rate',
        startRate: 20,
        stages: [
          { target: 150, duration: '20s' },
          { target: 150, duration: '30s' },
          { target: 50, duration: '10s' },
        ],
        preAllocatedVUs: 300,
        maxVUs: 600,
      },
      async setup({ buyer, seller, booking }) {
        await Promise.all([buyer.join(booking!), seller.join(booking!)]);
      },
      async iteration({ buyer, seller, booking, think }) {
        await buyer.send(booking!, 'hi! is it still available for the weekend?');
        await think('500ms', { jitter: 0.5 });
        await Promise.all([seller.send(booking!, 'yes, it is'), buyer.typing(booking!)]);
      },
    },
    repricing: {
      executor: { type: 'constant-arrival-rate', rate: 30, duration: '60s', preAllocatedVUs: 30, maxVUs: 100 },
      async iteration({ world, user }) {
        const listing = world.listings[Math.floor(Math.random() * world.listings.length)]!;
        await user(listing.sellerId, 'seller').changePrice(listing, 50 + Math.floor(Math.random() * 450));
      },
    },
    browsers: {
      executor: { type: 'constant-vus', vus: 800, duration: '60s' },
      async iteration({ world, user, vu, iteration, think }) {
        // One listing page after another: watch joins racing the intruders' joins.
        const publics = world.listings.filter((l) => !l.private);
        const me = user(`browser${vu}`, 'buyer');
        const listing = publics[(vu * 7 + iteration) % publics.length]!;
        await me.watch(listing);
        await think('3s', { jitter: 0.5 });
        await me.unwatch(listing);
      },
    },
    presence: {
      executor: { type: 'constant-vus', vus: 200, duration: '60s' },
      async setup({ buyer, seller }) {
        await Promise.all([buyer.watchPresence(seller.userId), seller.connect()]);
      },
      async iteration({ seller, think }) {
        await think('4s', { jitter: 0.5 });
        await seller.reconnect(200);
      },
    },
    checkout: {
      startTime: '25s',
      executor: { type: 'constant-arrival-rate', rate: 80, duration: '15s', preAllocatedVUs: 80, maxVUs: 300 },
      async setup({ world, buyer, vu }) {
        await buyer.watch(rushed(world.listings)[vu % RUSHED]!);
      },
      async iteration({ world, buyer, user, vu }) {
        const listing = rushed(world.listings)[vu % RUSHED]!;
        const attempt = await buyer.book(listing);
        // The winner's seller declines: the listing is back for the next wave (409s are the race).
        if (attempt.status === 201) await user(listing.sellerId, 'seller').transition(attempt.body.id, 'declined');
      },
    },
  },
});

/** The free public listings the checkout rush races for (bookings take the first listings). */
function rushed<T extends { private: boolean }>(listings: T[]): T[] {
  return listings.slice(BOOKINGS).filter((l) => !l.private).slice(0, RUSHED);
}
