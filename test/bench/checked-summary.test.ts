import { describe, expect, it } from 'vitest';
import { summarizeChecked, type CheckedRoundInput } from '../../bench/checked-summary.ts';

const win = (cpuUsPerRoundTrip: number) => ({ cpuUsPerRoundTrip, roundTrips: 1000, failedRoundTrips: 0 });
const round = (n: number, checked: number, unchecked: number): CheckedRoundInput => ({
  round: n, first: n % 2 ? 'checked' : 'unchecked', checked: win(checked), unchecked: win(unchecked),
});

describe('summarizeChecked', () => {
  it('drops round 1, the warm-up, from every figure but shows it', () => {
    const s = summarizeChecked([round(1, 300, 100), round(2, 110, 100), round(3, 110, 100)]);
    expect(s.rounds.map((r) => r.dropped)).toEqual([true, false, false]);
    expect(s.rounds[0]!.ratio).toBe(3);
    expect(s.ratio).toBeCloseTo(1.1);
    expect(s.ratioMax).toBe(1.1);
  });

  it("weighs the two orders alike: an order effect does not move the figure with the count of rounds", () => {
    // Checked first reads 1.2x, checked second 1.0x: the same cost seen from both sides.
    const rounds = [round(1, 100, 100), round(2, 100, 100), round(3, 120, 100), round(4, 100, 100), round(5, 120, 100), round(6, 100, 100), round(7, 120, 100)];
    const s = summarizeChecked(rounds);
    expect(s.checkedFirstMedian).toBe(1.2);
    expect(s.checkedSecondMedian).toBe(1);
    expect(s.ratio).toBeCloseTo(Math.sqrt(1.2), 3);
    // Three rounds of one order and three of the other; the plain median would hang on the tie.
    expect(s.ratioMedian).toBeCloseTo(1.1);
  });

  it('side by side, takes the median of the rounds: order means nothing there', () => {
    const rounds = [round(1, 300, 100), round(2, 100, 100), round(3, 120, 100), round(4, 105, 100)];
    expect(summarizeChecked(rounds, { inTurns: false }).ratio).toBe(1.05);
  });

  it('keeps a single round, and says which order had none', () => {
    const s = summarizeChecked([round(1, 105, 100)]);
    expect(s.rounds[0]!.dropped).toBe(false);
    expect(s.ratio).toBe(1.05);
    expect(s.checkedSecondMedian).toBeUndefined();
  });

  it('refuses to summarize nothing', () => {
    expect(() => summarizeChecked([])).toThrow(/no round/);
  });
});
