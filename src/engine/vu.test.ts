import { describe, expect, it } from 'vitest';
import { createDeliveryTracker } from '../client/delivery-tracker.ts';
import { createMetricsRegistry } from '../metrics/index.ts';
import type { SeededWorld } from '../scenario/types.ts';
import { createUserFactory, VuState } from './vu.ts';

const world: SeededWorld = { sellers: ['s1'], buyers: ['b1'], admins: ['a1'], listings: [], bookings: [] };

function vuWithFactory() {
  const metrics = createMetricsRegistry();
  // Nothing here connects: users are only created and told to leave.
  const users = createUserFactory({
    url: 'http://127.0.0.1:9',
    token: () => 't',
    transport: 'websocket',
    metrics,
    deliveries: createDeliveryTracker({ metrics, timeoutMs: 1_000 }),
    ackTimeoutMs: 1_000,
    connectTimeoutMs: 1_000,
    httpTimeoutMs: 1_000,
  });
  return { vu: new VuState(1, 0, world, users.create, new AbortController().signal), users };
}

describe('VuState keeps the users it may still use, not every user it made', () => {
  it('drops users that left for good at the next iteration', () => {
    const { vu } = vuWithFactory();
    for (let iteration = 0; iteration < 50; iteration++) {
      vu.context();
      vu.user(`visitor-${iteration}`, 'buyer').disconnect();
    }
    vu.context();
    expect(vu.heldUsers).toBe(0);
  });

  it('drops users that never opened a connection (HTTP only) at the next iteration', () => {
    const { vu } = vuWithFactory();
    for (let iteration = 0; iteration < 50; iteration++) vu.context().user(`visitor-${iteration}`, 'buyer');
    vu.context();
    expect(vu.heldUsers).toBe(0);
  });

  it('gives a fresh user in place of one that left, and keeps one still in use', () => {
    const { vu } = vuWithFactory();
    const first = vu.context().buyer;
    // A handler waiting for its connection: in use.
    first.on('message:new', () => {});
    expect(vu.context().buyer).toBe(first);
    first.disconnect();
    const second = vu.context().buyer;
    expect(second).not.toBe(first);
    expect(second.closed).toBe(false);
    expect(vu.heldUsers).toBe(1);
  });

  it('the factory holds no user that never opened a connection or left', () => {
    const { vu, users } = vuWithFactory();
    vu.user('b1', 'buyer').disconnect();
    expect(users.live.size).toBe(0);
  });
});
