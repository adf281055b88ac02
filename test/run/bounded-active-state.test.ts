import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { Booking } from '../../src/contract/index.ts';
import { startRun, type RunInFlight } from '../../src/engine/run.ts';
import { quietMsFor } from '../../src/engine/run-checks.ts';
import { defineScenario } from '../../src/scenario/define-scenario.ts';

// Issue 14: the checker state that grows with what happens (bookings learned, read marks and
// sends, first marks) is bounded by what is active, and falls back to nothing once all have left.

const RATE_PER_SEC = 20;
const BOOKING_S = 8;
const MAX_VUS = 10;
const DELIVERY_TIMEOUT_MS = 150;
const QUIET_S = quietMsFor(DELIVERY_TIMEOUT_MS) / 1000;
/** Forgetting is throttled to a quarter of the quiet period, at most every 500 ms, after a tick (≤ 250 ms), on timers a busy machine runs late. */
const LAG_S = Math.min(QUIET_S / 4, 0.5) + 0.25 + 0.5;
/** Read after the last booking has been quiet for longer than the quiet period and its lag. */
const IDLE_START_S = BOOKING_S + 1 + QUIET_S + LAG_S;

it('holds bookings learned, read marks and first marks for what is active, and nothing once all have left', async () => {
  let read: (() => RunInFlight) | undefined;
  const peak: RunInFlight = { liveUsers: 0, checkerStreams: 0, pending: 0, unclaimed: 0, pairedStreams: 0, entitlements: 0, readMarks: 0, firstDeliveries: 0, cachedTokens: 0 };
  const sample = () => {
    const now = read?.();
    if (!now) return;
    for (const key of Object.keys(peak) as (keyof RunInFlight)[]) peak[key] = Math.max(peak[key], now[key]);
  };
  let afterwards: RunInFlight | undefined;
  let booked = 0;
  const scenario = defineScenario({
    name: 'fresh-bookings',
    world: { sellers: MAX_VUS, listingsPerSeller: 1, privateRatio: 0, bookings: 0 },
    options: { deliveryTimeout: `${DELIVERY_TIMEOUT_MS}ms`, gracefulStop: '2s' },
    actors: {
      bookings: {
        executor: { type: 'constant-arrival-rate', rate: RATE_PER_SEC, duration: `${BOOKING_S}s`, preAllocatedVUs: MAX_VUS, maxVUs: MAX_VUS },
        async iteration({ world, user, vu, iteration }) {
          // A buyer never seen before books the VU's own listing (free again: the last booking was cancelled).
          const listing = world.listings[(vu - 1) % world.listings.length]!;
          const buyer = user(`fresh-${vu}-${iteration}`, 'buyer');
          const seller = user(listing.sellerId, 'seller');
          let booking: Booking | undefined;
          try {
            const made = await buyer.book(listing);
            if (made.status !== 201) return;
            booking = made.body as Booking;
            booked++;
            await Promise.all([buyer.join(booking), seller.join(booking)]);
            const sent = await seller.send(booking, 'the keys are in the lockbox');
            if (sent.ok) {
              await buyer.read(booking, sent.message.id);
              await buyer.read(booking, sent.message.id); // a repeat: owed nothing
            }
            sample();
          } finally {
            if (booking) {
              await buyer.transition(booking, 'cancelled');
              await seller.leave(booking);
            }
            buyer.disconnect();
          }
        },
      },
      afterwards: {
        startTime: `${IDLE_START_S}s`,
        executor: { type: 'per-vu-iterations', vus: 1, iterations: 1 },
        async iteration() {
          afterwards = read?.();
        },
      },
    },
  });

  const result = await startRun({
    scenario,
    reportDir: mkdtempSync(join(tmpdir(), 'bazaar-bounded-active-')),
    inspect: (reader) => {
      read = reader;
    },
  });

  // Enough came and went that "everything that happened" is far above "what is active".
  const activeBound = MAX_VUS + RATE_PER_SEC * (QUIET_S + LAG_S);
  expect(booked).toBeGreaterThan(1.5 * activeBound);
  expect(peak.entitlements).toBeGreaterThan(0);
  expect(peak.entitlements).toBeLessThanOrEqual(activeBound);
  // A mark per booking.
  expect(peak.readMarks).toBeGreaterThan(0);
  expect(peak.readMarks).toBeLessThanOrEqual(activeBound);
  expect(peak.firstDeliveries).toBeGreaterThan(0);
  expect(peak.firstDeliveries).toBeLessThanOrEqual(activeBound);
  // All gone and quiet: nothing held for them.
  expect(afterwards).toMatchObject({ entitlements: 0, readMarks: 0, firstDeliveries: 0 });
  // And no verdict lost or invented: the repeat mark owed nothing, every first mark its read:updated.
  expect(result.violations).toMatchObject({ checked: true, total: 0 });
  expect(result.metrics.counters.filter((c) => c.name === 'delivery_timeouts')).toEqual([]);
}, 60_000);
