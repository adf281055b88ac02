/* Presence churn: sellers on flaky phones drop and reconnect every few seconds while buyers
 * watch their presence; a few sellers stay connected throughout. Measures reconnect time; with
 * a 60 s TTL the watchers should see no offline/online flicker at all, neither for the sellers
 * who churn nor for those who stay (every run checks that online: `presence` violations). */
import { defineScenario } from '../src/index.ts';

const CHURNING = 50;
const STEADY = 10;

export default defineScenario({
  world: { sellers: CHURNING + STEADY, listingsPerSeller: 1, buyers: 100 },
  thresholds: {
    'reconnect': ['p(95)<1s'],
    'connect': ['p(95)<1s'],
    'errors{code:ack_timeout}': ['count==0'],
  },
  actors: {
    watchers: {
      executor: { type: 'constant-vus', vus: 100, duration: '30s' },
      async setup({ buyer, world, vu }) {
        // One seller who churns and one who stays, per watcher.
        await buyer.watchPresence(world.sellers[(vu - 1) % CHURNING]!);
        await buyer.watchPresence(world.sellers[CHURNING + ((vu - 1) % STEADY)]!);
      },
      async iteration({ think }) {
        await think('1s');
      },
    },
    sellers: {
      executor: { type: 'constant-vus', vus: CHURNING, duration: '30s' },
      async setup({ user, world, vu }) {
        await user(world.sellers[(vu - 1) % CHURNING]!, 'seller').connect();
      },
      async iteration({ user, world, vu, think }) {
        await think('2s', { jitter: 0.5 });
        await user(world.sellers[(vu - 1) % CHURNING]!, 'seller').reconnect(200);
      },
    },
    steady: {
      executor: { type: 'constant-vus', vus: STEADY, duration: '30s' },
      async setup({ user, world, vu }) {
        await user(world.sellers[CHURNING + ((vu - 1) % STEADY)]!, 'seller').connect();
      },
      async iteration({ think }) {
        await think('1s');
      },
    },
  },
});
