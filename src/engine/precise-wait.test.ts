import { describe, expect, it } from 'vitest';
import { createSpinBudget } from './precise-wait.ts';

describe('the spin budget', () => {
  it('allows spins until a second holds its share of spinning, then refuses', () => {
    const budget = createSpinBudget(100_000); // 100 ms per second
    const t = 10_000_000;
    const taken = Array.from({ length: 80 }, () => budget.take(t, 1_500)).filter(Boolean).length;
    expect(taken).toBe(66); // 66 × 1.5 ms fits in 100 ms; the 67th does not
  });

  it('refills with wall time, never beyond one second’s share', () => {
    const budget = createSpinBudget(100_000);
    expect(budget.take(0, 100_000)).toBe(true);
    expect(budget.take(0, 1)).toBe(false);
    expect(budget.take(500_000, 50_000)).toBe(true); // half a second refills half
    expect(budget.take(500_000, 1)).toBe(false);
    expect(budget.take(60_000_000, 100_000)).toBe(true); // a long idle stretch refills to the cap only
    expect(budget.take(60_000_000, 1)).toBe(false);
  });

  it('takes back what a spin did not use', () => {
    const budget = createSpinBudget(10_000);
    expect(budget.take(0, 10_000)).toBe(true);
    budget.refund(4_000);
    expect(budget.take(0, 4_000)).toBe(true);
    expect(budget.take(0, 1)).toBe(false);
  });
});
