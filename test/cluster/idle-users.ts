/* Idle users for the scale measurement in docs/scaling.md ("Workers"): each VU connects one
 * buyer, which heartbeats at the interval the server announces, and holds the connection. The
 * connect-time histogram (`connect`) is the figure; VUs and ramp come from --scale.
 *   npx bazaar run test/cluster/idle-users.ts --nodes 4 --workers 2 --local-addresses 127.0.0.2-127.0.0.9 */
import { defineScenario } from '../../src/index.ts';

export default defineScenario({
  name: 'idle-users',
  // Buyers are ids only (no seeding per buyer): one per VU.
  world: { sellers: 1, listingsPerSeller: 8, buyers: 50_000 },
  options: { connectTimeout: '30s', gracefulStop: '5s' },
  thresholds: { connect: ['p(95)<5s'], connect_timeouts: ['count==0'] },
  executor: {
    type: 'ramping-vus',
    startVUs: 0,
    stages: [{ target: 10_000, duration: '60s' }, { target: 10_000, duration: '30s' }],
    gracefulRampDown: '5s',
  },
  async iteration({ buyer, think }) {
    await buyer.connect();
    await think('30s');
  },
});
