import { describe, expect, it } from 'vitest';
import { createReadMarks, type ReadMarkViolation } from './read-marks.ts';

const IDLE_US = 1_000;

function setup(remember?: number) {
  const found: ReadMarkViolation[] = [];
  const marks = createReadMarks({ ...(remember ? { remember } : {}), onViolation: (v) => found.push(v) });
  return { marks, found };
}

describe('read marks: memory follows the bookings in use', () => {
  it("drops an idle, empty booking's marks, and keeps one a user is in or that had read activity", () => {
    const { marks } = setup();
    marks.marked('bk1', 'm1', 100, 10);
    marks.marked('bk2', 'm2', 100, 10);
    marks.marked('bk3', 'm3', 100, 10);
    marks.history({}, 'bk3', 2 * IDLE_US, []); // read activity keeps bk3 for another idle period
    const dropped = marks.forgetIdle(2 * IDLE_US - IDLE_US + 1, (id) => id === 'bk2');
    expect(dropped).toEqual(['bk1']);
    expect(marks.sizes()).toEqual({ marks: 2, senders: 0, bookings: 2 });
    // Once bk2's users have left and bk3 has been idle too, no mark is held.
    expect(marks.forgetIdle(3 * IDLE_US + 1, () => false).sort()).toEqual(['bk2', 'bk3']);
    expect(marks.sizes()).toEqual({ marks: 0, senders: 0, bookings: 0 });
  });

  it('drops the bookings idle that long and keeps one with marks since, over seconds of marks', () => {
    const { marks } = setup();
    marks.marked('bkA', 'a0', 1, 0);
    marks.marked('bkB', 'b0', 1, 10_000);
    marks.marked('bkA', 'a1', 1, 50_000); // bkA active again, still ahead of bkB in the order
    expect(marks.forgetIdle(40_000, () => false)).toEqual(['bkB']);
    // Over seconds of steady marks bkA stays; once they stop it goes.
    for (let t = 100_000; t <= 2_000_000; t += 50_000) {
      marks.marked('bkA', `a${t}`, 1, t);
      if (t === 1_000_000) marks.marked('bkC', 'c0', 1, t);
    }
    expect(marks.forgetIdle(1_500_000, () => false)).toEqual(['bkC']);
    expect(marks.forgetIdle(2_000_001, () => false)).toEqual(['bkA']);
    expect(marks.sizes()).toEqual({ marks: 0, senders: 0, bookings: 0 });
  });

  it('judges history and own marks of a booking kept, and no history of a dropped one (no false verdict)', () => {
    const { marks, found } = setup();
    marks.sent('m1', 's1');
    marks.marked('bk1', 'm1', 100, 10);
    marks.forgetIdle(5, () => false); // bk1 active since: kept
    marks.history({}, 'bk1', 20, [{ id: 'm1', readAt: null }]);
    marks.markedBy({}, 's1', 'bk1', 'm1');
    expect(found.map((v) => v.observed)).toEqual([expect.stringContaining('readAt null'), 'read:mark acked {ok:true}']);
    marks.forgetIdle(20 + IDLE_US, () => false);
    marks.history({}, 'bk1', 30 + IDLE_US, [{ id: 'm1', readAt: null }]);
    expect(found).toHaveLength(2);
  });

  it('keeps the cap as a safety net, dropping the oldest from its booking too', () => {
    const { marks } = setup(2);
    for (const id of ['m1', 'm2', 'm3']) marks.marked('bk1', id, 1, 0);
    expect(marks.sizes()).toMatchObject({ marks: 2 });
    expect(marks.forgetIdle(1, () => false)).toEqual(['bk1']);
    expect(marks.sizes()).toEqual({ marks: 0, senders: 0, bookings: 0 });
  });

  it('past a large cap drops the oldest marks in one batch, a sixteenth under it, keeping the newest', () => {
    const { marks } = setup(1_600);
    for (let i = 0; i < 1_601; i++) marks.marked('bk1', `m${i}`, i, i);
    expect(marks.sizes().marks).toBe(1_500);
    for (let i = 1_601; i < 1_700; i++) marks.marked('bk1', `m${i}`, i, i);
    expect(marks.sizes().marks).toBeLessThanOrEqual(1_600);
  });

  it('knows the sender of each of the last `remember` sends, whatever booking they were in', () => {
    const { marks, found } = setup(1_600);
    for (let i = 0; i < 1_700; i++) marks.sent(`m${i}`, 'u1');
    expect(marks.sizes().senders).toBe(1_600);
    // The newest are held (marking one's own is judged), the oldest gone (not judged).
    marks.markedBy({}, 'u1', 'bk1', 'm1699');
    marks.markedBy({}, 'u1', 'bk1', 'm0');
    // Another user's mark of it is the recipient's: no violation.
    marks.markedBy({}, 'u2', 'bk1', 'm1698');
    expect(found).toHaveLength(1);
  });
});
