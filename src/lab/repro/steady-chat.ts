import { defineScenario } from '../../scenario/index.ts';
import type { Scenario } from '../../scenario/types.ts';

/**
 * The load of the fault entries: both parties of every booking connected and joined all along
 * (spread over the nodes by the entry), each buyer writing every `sendEveryMs`, for the whole
 * stretch. Deliveries every second on every node, so a fault's window shows what it broke.
 */
export function steadyChat(options: {
  bookings: number;
  durationMs: number;
  sendEveryMs?: number;
  /** ± fraction of `sendEveryMs` each pause varies by (think's jitter), so the sends spread over time instead of keeping step. */
  sendJitter?: number;
  deliveryTimeout?: string;
  reconnection?: NonNullable<Scenario['options']>['reconnection'];
}): Scenario & { name: string } {
  const bookings = Math.max(2, Math.round(options.bookings));
  return defineScenario({
    name: 'repro-steady-chat',
    world: { sellers: Math.max(1, Math.ceil(bookings / 2)), listingsPerSeller: 2, bookings },
    // Losses are judged at this timeout: short, so that a fault's are found inside the run.
    options: {
      deliveryTimeout: options.deliveryTimeout ?? '2s',
      gracefulStop: '3s',
      reconnectTimeout: '20s',
      ackTimeout: '10s',
      ...(options.reconnection ? { reconnection: options.reconnection } : {}),
    },
    executor: { type: 'constant-vus', vus: bookings, duration: `${options.durationMs}ms` },
    async setup({ buyer, seller, booking }) {
      await Promise.all([buyer.join(booking!), seller.join(booking!)]);
    },
    async iteration({ buyer, booking, think }) {
      await buyer.send(booking!, 'still there?');
      await think(options.sendEveryMs ?? 500, options.sendJitter ? { jitter: options.sendJitter } : undefined);
    },
  }) as Scenario & { name: string };
}
