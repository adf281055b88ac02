/* Presence churn: sellers on flaky phones drop and reconnect every few seconds while buyers
 * watch their presence. Measures reconnect time; with a 60 s TTL the watchers should see no
 * offline/online flicker at all (bazaar check verifies that; this measures the cost). */
import { defineScenario } from '../src/index.ts';

export default defineScenario({
  world: { sellers: 50, listingsPerSeller: 1, buyers: 100 },
  thresholds: {
    'reconnect': ['p(95)<1s'],
    'connect': ['p(95)<1s'],
    'errors{code:ack_timeout}': ['count==0'],
  },
  actors: {
    watchers: {
      executor: { type: 'constant-vus', vus: 100, duration: '30s' },
      async setup({ buyer, seller }) {
        await buyer.watchPresence(seller.userId);
      },
      async iteration({ think }) {
        await think('1s');
      },
    },
    sellers: {
      executor: { type: 'constant-vus', vus: 50, duration: '30s' },
      async setup({ seller }) {
        await seller.connect();
      },
      async iteration({ seller, think }) {
        await think('2s', { jitter: 0.5 });
        await seller.reconnect(200);
      },
    },
  },
});
