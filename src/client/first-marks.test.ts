import { describe, expect, it } from 'vitest';
import { createFirstMarks } from './first-marks.ts';

describe('first marks: held per booking while it is in use', () => {
  it('knows a repeat while its booking is in use, and forgets an idle booking nobody is in', () => {
    const marks = createFirstMarks();
    expect(marks.firstTime('r|m1', 'booking:b1', 0)).toBe(true);
    expect(marks.firstTime('r|m2', 'booking:b2', 0)).toBe(true);
    expect(marks.firstTime('r|m3', 'booking:b3', 0)).toBe(true);
    // b1 has a user of the run in its room, b3 had a mark since: both kept; b2 goes.
    expect(marks.firstTime('r|m3', 'booking:b3', 500)).toBe(false);
    expect(marks.forgetIdle(100, (scope) => scope === 'booking:b1')).toBe(1);
    expect(marks.firstTime('r|m1', 'booking:b1', 600)).toBe(false);
    expect(marks.firstTime('r|m3', 'booking:b3', 600)).toBe(false);
    expect([marks.size(), marks.scopes()]).toEqual([2, 2]);
    // Everyone gone and idle: nothing held.
    expect(marks.forgetIdle(1_000, () => false)).toBe(2);
    expect([marks.size(), marks.scopes()]).toEqual([0, 0]);
  });

  it('keeps the cap as a safety net', () => {
    const marks = createFirstMarks({ maxKeys: 2 });
    for (const id of ['a', 'b', 'c']) marks.firstTime(id, 's', 0);
    expect(marks.size()).toBe(2);
    expect(marks.firstTime('a', 's', 0)).toBe(true);
    expect(marks.forgetIdle(1, () => false)).toBe(2);
    expect(marks.size()).toBe(0);
  });
});
