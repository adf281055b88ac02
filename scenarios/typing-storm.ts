/* Typing storm: both parties of many bookings hammer typing:start several times a second,
 * as keyboards do. The contract lets at most one through per sender per booking per 3 s;
 * this measures what the storm costs the server next to real messages. */
import { defineScenario } from '../src/index.ts';

export default defineScenario({
  world: { sellers: 20, listingsPerSeller: 5, bookings: 100 },
  executor: { type: 'constant-vus', vus: 100, duration: '30s' },
  thresholds: {
    'ack{event:message:send}': ['p(95)<200ms'],
    'errors{code:rate_limited}': ['count==0'],
    ack_timeouts: ['count==0'],
  },
  async setup({ buyer, seller, booking }) {
    await Promise.all([buyer.join(booking!), seller.join(booking!)]);
  },
  async iteration({ buyer, booking, think }) {
    for (let i = 0; i < 8; i++) {
      await buyer.typing(booking!, 'start');
      await think('120ms', { jitter: 0.3 });
    }
    await buyer.typing(booking!, 'stop');
    await buyer.send(booking!, 'done typing');
  },
});
