import { describe, expect, it } from 'vitest';
import { createMemoryTypingGate } from './typing-gate.ts';

const INTERVAL = 3_000;

describe('createMemoryTypingGate', () => {
  it('allows one start per interval per user and booking', async () => {
    const gate = createMemoryTypingGate(INTERVAL);
    expect(await gate.allowStart('u1', 'b1', 0)).toBe(true);
    for (let t = 1; t < INTERVAL; t += 150) expect(await gate.allowStart('u1', 'b1', t)).toBe(false);
    expect(await gate.allowStart('u1', 'b1', INTERVAL)).toBe(true);
    expect(await gate.allowStart('u1', 'b1', INTERVAL + 1)).toBe(false);
  });

  it('dropped starts do not push the window forward', async () => {
    const gate = createMemoryTypingGate(INTERVAL);
    await gate.allowStart('u1', 'b1', 0);
    expect(await gate.allowStart('u1', 'b1', INTERVAL - 1)).toBe(false);
    expect(await gate.allowStart('u1', 'b1', INTERVAL)).toBe(true);
  });

  it('counts users and bookings separately', async () => {
    const gate = createMemoryTypingGate(INTERVAL);
    expect(await gate.allowStart('u1', 'b1', 0)).toBe(true);
    expect(await gate.allowStart('u1', 'b2', 1)).toBe(true);
    expect(await gate.allowStart('u2', 'b1', 2)).toBe(true);
    expect(await gate.allowStart('u1', 'b1', 3)).toBe(false);
    expect(await gate.allowStart('u1', 'b2', 4)).toBe(false);
    expect(await gate.allowStart('u2', 'b1', 5)).toBe(false);
  });

  it('does not confuse keys that only concatenate alike', async () => {
    const gate = createMemoryTypingGate(INTERVAL);
    expect(await gate.allowStart('ab', 'c', 0)).toBe(true);
    expect(await gate.allowStart('a', 'bc', 0)).toBe(true);
  });

  it('prune keeps entries still inside their interval', async () => {
    const gate = createMemoryTypingGate(INTERVAL);
    await gate.allowStart('u1', 'b1', 0);
    await gate.allowStart('u1', 'b2', 2_000);
    gate.prune(INTERVAL + 500);
    expect(await gate.allowStart('u1', 'b2', INTERVAL + 600)).toBe(false);
    expect(await gate.allowStart('u1', 'b1', INTERVAL + 600)).toBe(true);
  });

  it('after pruning old entries the gate allows again and then limits again', async () => {
    const gate = createMemoryTypingGate(INTERVAL);
    for (let i = 0; i < 100; i++) await gate.allowStart(`u${i}`, 'b1', 0);
    gate.prune(10 * INTERVAL);
    for (let i = 0; i < 100; i++) expect(await gate.allowStart(`u${i}`, 'b1', 10 * INTERVAL)).toBe(true);
    for (let i = 0; i < 100; i++) expect(await gate.allowStart(`u${i}`, 'b1', 10 * INTERVAL + 1)).toBe(false);
  });
});
