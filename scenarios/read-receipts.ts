/* Read receipts: sellers answer, buyers read, and each read receipt travels back to the
 * sender's user room. Measures the read:mark ack and how long a sender waits to see "read". */
import { defineScenario } from '../src/index.ts';

export default defineScenario({
  world: { sellers: 20, listingsPerSeller: 5, bookings: 100 },
  executor: { type: 'constant-arrival-rate', rate: 40, duration: '30s', preAllocatedVUs: 50, maxVUs: 200 },
  thresholds: {
    'ack{event:read:mark}': ['p(95)<150ms'],
    'ack{event:message:send}': ['p(95)<150ms'],
    expect_timeouts: ['count==0'],
  },
  async setup({ buyer, seller, booking }) {
    await Promise.all([buyer.join(booking!), seller.join(booking!)]);
  },
  async iteration({ buyer, seller, booking }) {
    const sent = await seller.send(booking!, 'your keys are in the lockbox');
    if (!sent.ok) return;
    const receipt = seller.expect('read:updated', (r) => r.messageId === sent.message.id, 5_000);
    await buyer.read(booking!, sent.message.id);
    await receipt;
  },
});
