import { describe, expect, it } from 'vitest';
import { partitionUnits, sharesRooms, workerSlot } from './partition.ts';

const unitOf = (slot: number, units: number) => slot % units;

describe('workerSlot', () => {
  it('is the index itself with one worker', () => {
    expect([0, 1, 2, 13].map((i) => workerSlot(i, 0, 1, 12))).toEqual([0, 1, 2, 13]);
  });

  it.each([
    [2, 12],
    [3, 12],
    [2, 7],
    [4, 10],
  ])('with %i workers over %i bookings, no booking is used by two workers', (workers, units) => {
    const owner = new Map<number, number>();
    for (let worker = 0; worker < workers; worker++) {
      for (let index = 0; index < 3 * units; index++) {
        const unit = unitOf(workerSlot(index, worker, workers, units), units);
        expect(owner.get(unit) ?? worker).toBe(worker);
        owner.set(unit, worker);
      }
    }
    // ...and every booking is used by someone.
    expect(owner.size).toBe(units);
  });

  it('gives a worker its own bookings first, then laps them', () => {
    // Worker 1 of 2 over 5 bookings owns 1 and 3.
    expect([0, 1, 2, 3].map((i) => workerSlot(i, 1, 2, 5))).toEqual([1, 3, 6, 8]);
    expect([0, 1, 2, 3].map((i) => unitOf(workerSlot(i, 1, 2, 5), 5))).toEqual([1, 3, 1, 3]);
  });

  it('interleaves when a worker owns nothing, and says rooms are then shared', () => {
    expect([0, 1, 2].map((i) => workerSlot(i, 1, 2, 1))).toEqual([1, 3, 5]);
    expect(sharesRooms(2, 1)).toBe(true);
    expect(sharesRooms(2, 2)).toBe(false);
    expect(sharesRooms(1, 0)).toBe(false);
  });
});

describe('partitionUnits', () => {
  it('partitions by bookings, else by listings', () => {
    expect(partitionUnits({ bookings: [{}, {}] as never, listings: [{}, {}, {}] as never })).toBe(2);
    expect(partitionUnits({ bookings: [], listings: [{}, {}, {}] as never })).toBe(3);
  });
});
