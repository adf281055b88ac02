import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { startRun, type RunInFlight } from '../../src/engine/run.ts';
import { defineScenario } from '../../src/scenario/define-scenario.ts';

// Issue 12, item 4: what a run holds is bounded by what is in flight, not by how long it runs.

const RATE_PER_SEC = 40;
const DURATION_S = 6;
const MAX_VUS = 20;
const LISTINGS = 4;
const DELIVERY_TIMEOUT_S = 0.3;
/** The delivery tracker sweeps every tenth of the timeout, at most every 500 ms. */
const SWEEP_S = 0.05;
const NOTHING: RunInFlight = { liveUsers: 0, checkerStreams: 0, pending: 0, unclaimed: 0, pairedStreams: 0, entitlements: 0, readMarks: 0, firstDeliveries: 0, cachedTokens: 0 };
/** Each iteration sends one message and one price change. */
const CAUSES_PER_ITERATION = 2;

it('holds live users and deliveries in flight only, over many short-lived users', async () => {
  let read: (() => RunInFlight) | undefined;
  const peak: RunInFlight = { ...NOTHING };
  const sample = () => {
    const now = read?.();
    if (!now) return;
    for (const key of Object.keys(peak) as (keyof RunInFlight)[]) peak[key] = Math.max(peak[key], now[key]);
  };
  const scenario = defineScenario({
    name: 'many-short-lived-users',
    world: { sellers: LISTINGS, listingsPerSeller: 1, bookings: LISTINGS },
    executor: { type: 'constant-arrival-rate', rate: RATE_PER_SEC, duration: `${DURATION_S}s`, preAllocatedVUs: 10, maxVUs: MAX_VUS },
    options: { deliveryTimeout: `${DELIVERY_TIMEOUT_S * 1000}ms`, gracefulStop: '2s' },
    async iteration({ buyer, seller, booking, listing, user, vu, iteration }) {
      // A visitor with an id of its own, and the booking's buyer, each live for one iteration.
      const visitor = user(`visitor-${vu}-${iteration}`, 'buyer');
      await Promise.all([visitor.watch(listing!), buyer.join(booking!), seller.join(booking!)]);
      sample();
      await buyer.send(booking!, 'still there?');
      await seller.changePrice(listing!, 100 + iteration);
      sample();
      visitor.disconnect();
      buyer.disconnect();
    },
  });

  const result = await startRun({
    scenario,
    reportDir: mkdtempSync(join(tmpdir(), 'bazaar-bounded-')),
    inspect: (reader) => {
      read = reader;
    },
  });

  const iterations = result.metrics.counters.filter((c) => c.name === 'iterations').reduce((sum, c) => sum + c.value, 0);
  const created = 2 * iterations; // a visitor and a buyer per iteration
  const sends = CAUSES_PER_ITERATION * iterations;
  // Bounds set by what can be in flight, whatever the run's length (send times used to be kept
  // for every send of the run). A cause goes when every receiver owed it has it, or at its
  // deadline (a receiver that left before it arrived): the iterations in flight, plus the causes
  // of the last delivery timeout.
  expect(peak.pending).toBeLessThanOrEqual(CAUSES_PER_ITERATION * (MAX_VUS + RATE_PER_SEC * (DELIVERY_TIMEOUT_S + SWEEP_S)));
  // An arrival waits for the answer that names its version: at most one price change in flight
  // per VU, each reaching the visitors watching its listing (a VU's slot picks its listing).
  expect(peak.unclaimed).toBeLessThanOrEqual(MAX_VUS * (MAX_VUS / LISTINGS));
  expect(sends).toBeGreaterThan(peak.pending + peak.unclaimed);
  // At most a seller, a buyer and a visitor per VU are alive at once.
  expect(created).toBeGreaterThan(4 * MAX_VUS);
  expect(peak.liveUsers).toBeLessThanOrEqual(3 * MAX_VUS);
  // Online checking holds a stream per live user and room it is in (one room each here: the
  // visitor its listing, the buyer and the seller their booking), not one per user it ever saw.
  expect(peak.checkerStreams).toBeGreaterThan(0);
  expect(peak.checkerStreams).toBeLessThanOrEqual(3 * MAX_VUS);
  expect(result.violations).toMatchObject({ checked: true, total: 0 });
  // Every delivery was timed, and none was lost on a correct server.
  expect(result.metrics.counters.filter((c) => c.name === 'delivery_timeouts')).toEqual([]);
  expect(result.metrics.latencies.filter((l) => l.name === 'delivery').map((l) => l.tags.event).sort()).toEqual(
    expect.arrayContaining(['listing:priceChanged', 'message:new']),
  );
  // When it is over, nothing is held.
  expect(read?.()).toMatchObject({ liveUsers: 0, checkerStreams: 0, pending: 0, unclaimed: 0, pairedStreams: 0, firstDeliveries: 0 });
}, 60_000);
