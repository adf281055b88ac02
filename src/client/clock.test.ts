import { describe, expect, it } from 'vitest';
import { IterationClock, UNSCHEDULED } from './clock.ts';

const MS = 1_000;

/** Steps run one after another: [actual start, end] in µs; returns each step's intended start. */
function play(clock: IterationClock, steps: Array<[number, number]>): number[] {
  return steps.map(([startUs, endUs]) => {
    const fromUs = clock.intendedStartUs(startUs);
    clock.stepEnded(fromUs, startUs, endUs);
    return fromUs;
  });
}

describe('IterationClock', () => {
  it('measures every step from its actual start while none stalls', () => {
    const clock = new IterationClock(100);
    clock.start();
    expect(play(clock, [[0, 5 * MS], [6 * MS, 99 * MS], [100 * MS, 200 * MS]])).toEqual([0, 6 * MS, 100 * MS]);
    expect(clock.currentBacklogUs).toBe(0);
  });

  it('carries the part of a stalled step beyond the threshold into every later step', () => {
    const clock = new IterationClock(100);
    clock.start();
    // a 1.1 s step: 1 s beyond the threshold; the next steps would have started 1 s earlier
    expect(play(clock, [[0, 1_100 * MS], [1_200 * MS, 1_201 * MS], [5_000 * MS, 5_001 * MS]]))
      .toEqual([0, 200 * MS, 4_000 * MS]);
  });

  it('adds up stalls that follow one another', () => {
    const clock = new IterationClock(100);
    clock.start();
    play(clock, [[0, 600 * MS], [600 * MS, 1_000 * MS]]);
    expect(clock.currentBacklogUs).toBe(500 * MS + 300 * MS);
  });

  it('does not add up stalls of steps run side by side: the slowest held the user up', () => {
    const clock = new IterationClock(100);
    clock.start();
    const a = clock.intendedStartUs(0);
    const b = clock.intendedStartUs(0);
    clock.stepEnded(a, 0, 900 * MS);
    clock.stepEnded(b, 0, 1_100 * MS);
    expect(clock.currentBacklogUs).toBe(1_000 * MS);
  });

  it('starts an iteration that waited for a free VU that far behind, and a fresh one at 0', () => {
    const clock = new IterationClock(100);
    clock.start(300 * MS);
    expect(clock.intendedStartUs(1_000 * MS)).toBe(700 * MS);
    clock.start();
    expect(clock.intendedStartUs(1_000 * MS)).toBe(1_000 * MS);
  });

  it('ignores a negative backlog (a clock read out of order)', () => {
    const clock = new IterationClock();
    clock.start(-5);
    expect(clock.currentBacklogUs).toBe(0);
  });
});

it('UNSCHEDULED measures from the actual start', () => {
  UNSCHEDULED.stepEnded(0, 0, 10_000 * MS);
  expect(UNSCHEDULED.intendedStartUs(42)).toBe(42);
});
