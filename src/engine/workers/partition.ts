import type { SeededWorld } from '../../scenario/types.ts';

/*
 * Which world slots a worker's VUs take (issue 15 §1: checked load stays exact across workers).
 * A VU's slot picks its booking (slot % bookings), and through it the booking's listing, buyer
 * and seller (src/engine/vu.ts); without bookings, its listing (slot % listings). So the world is
 * partitioned by that unit: worker w owns units w, w + n, w + 2n, ... and its VUs take only slots
 * that land on them. Every booking room's members and senders then live in one process, and the
 * delivery tracker that says who is owed a delivery (src/client/delivery-tracker.ts) sees them
 * all, as in one process. Per-receiver checks (order, versions) hold in any process.
 */

/** How many units the world is partitioned by: its bookings, else its listings, else none (0). */
export function partitionUnits(world: Pick<SeededWorld, 'bookings' | 'listings'>): number {
  return world.bookings.length > 0 ? world.bookings.length : world.listings.length;
}

/**
 * The world slot of a worker's `index`-th VU slot (counted across its groups, as the run counts
 * slotOffset). One worker: the index itself, as a run without workers. A worker that owns no
 * unit (fewer units than workers) interleaves instead: slot index·n + w, and rooms may then span
 * workers (see `sharesRooms`).
 */
export function workerSlot(index: number, worker: number, workers: number, units: number): number {
  if (workers === 1) return index;
  const owned = units > worker ? Math.ceil((units - worker) / workers) : 0;
  if (owned === 0) return index * workers + worker;
  const lap = Math.floor(index / owned);
  const within = index % owned;
  return lap * units + worker + within * workers;
}

/** Whether some room may hold users of two workers: fewer units than workers. */
export function sharesRooms(workers: number, units: number): boolean {
  return workers > 1 && units < workers;
}
