import { expect, it } from 'vitest';
import { startRun, type RunInFlight } from '../../src/engine/run.ts';
import { defineScenario } from '../../src/scenario/define-scenario.ts';

// Issue 14: the online checks drop a room's state when the room goes quiet, not only when its
// users leave: users who stay connected in rooms where nothing happens any more cost nothing.

const VUS = 8;

it('drops the checker state of rooms gone quiet while their users stay in them', async () => {
  let read: (() => RunInFlight) | undefined;
  const samples: { atMs: number; now: RunInFlight }[] = [];
  const startedMs = Date.now();
  const scenario = defineScenario({
    name: 'quiet-rooms',
    world: { sellers: 4, listingsPerSeller: 2, bookings: VUS },
    // Quiet after 10 × the delivery timeout, at least 1 s (docs/scenarios.md, "Violations").
    options: { deliveryTimeout: '100ms', gracefulStop: '1s' },
    executor: { type: 'constant-vus', vus: VUS, duration: '4s' },
    async setup({ buyer, seller, booking }) {
      await Promise.all([buyer.join(booking!), seller.join(booking!)]);
    },
    async iteration({ buyer, seller, booking, iteration, think }) {
      // One exchange at first, then nothing: the users stay in their bookings.
      if (iteration === 0) {
        await buyer.send(booking!, 'hello');
        await seller.send(booking!, 'hi');
        await seller.transition(booking!, 'accepted');
      }
      await think('250ms');
      const now = read?.();
      if (now) samples.push({ atMs: Date.now() - startedMs, now });
    },
  });
  const result = await startRun({ scenario, reportDir: false, inspect: (reader) => (read = reader) });

  expect(result.violations).toMatchObject({ checked: true, total: 0 });
  const busy = Math.max(...samples.map((s) => s.now.checkerStreams));
  // Each party of each booking held an order stream and a version stream while it was busy.
  expect(busy).toBeGreaterThanOrEqual(2 * VUS);
  const last = samples.at(-1)!;
  // Seconds later the same users are still connected and in their rooms, but nothing is held for them.
  expect(last.now.liveUsers).toBe(2 * VUS);
  expect(last.now.checkerStreams).toBe(0);
}, 60_000);
