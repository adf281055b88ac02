import { describe, expect, it } from 'vitest';
import { createMemoryPresenceStore } from './presence-store.ts';

const TTL = 1_000;

describe('createMemoryPresenceStore', () => {
  it('reports cameOnline on the first touch only', async () => {
    const store = createMemoryPresenceStore();
    expect(await store.isOnline('u1')).toBe(false);
    expect(await store.touch('u1', TTL, 0)).toEqual({ cameOnline: true });
    expect(await store.isOnline('u1')).toBe(true);
    expect(await store.touch('u1', TTL, 100)).toEqual({ cameOnline: false });
    expect(await store.touch('u1', TTL, 900)).toEqual({ cameOnline: false });
  });

  it('keeps users apart', async () => {
    const store = createMemoryPresenceStore();
    await store.touch('u1', TTL, 0);
    expect(await store.touch('u2', TTL, 0)).toEqual({ cameOnline: true });
    expect(await store.isOnline('u3')).toBe(false);
  });

  it('takeLapsed hands out nothing before the TTL lapses', async () => {
    const store = createMemoryPresenceStore();
    await store.touch('u1', TTL, 0);
    expect(await store.takeLapsed(TTL - 1)).toEqual([]);
    expect(await store.isOnline('u1')).toBe(true);
  });

  it('takeLapsed returns a lapsed user exactly once', async () => {
    const store = createMemoryPresenceStore();
    await store.touch('u1', TTL, 0);
    await store.touch('u2', TTL, 500);
    expect(await store.takeLapsed(TTL + 100)).toEqual(['u1']);
    expect(await store.takeLapsed(TTL + 200)).toEqual([]);
    expect(await store.isOnline('u1')).toBe(false);
    expect(await store.isOnline('u2')).toBe(true);
    expect(await store.takeLapsed(TTL + 600)).toEqual(['u2']);
    expect(await store.takeLapsed(10 * TTL)).toEqual([]);
  });

  it('each touch extends the TTL from its own time', async () => {
    const store = createMemoryPresenceStore();
    await store.touch('u1', TTL, 0);
    await store.touch('u1', TTL, 800);
    expect(await store.takeLapsed(TTL + 500)).toEqual([]);
    expect(await store.takeLapsed(800 + TTL)).toEqual(['u1']);
  });

  it('a refresh after the lapse but before the sweep keeps the user and announces nothing', async () => {
    const store = createMemoryPresenceStore();
    await store.touch('u1', TTL, 0);
    // The TTL lapsed at 1000, but no sweep ran: watchers still have online.
    expect(await store.isOnline('u1')).toBe(true);
    expect(await store.touch('u1', TTL, TTL + 200)).toEqual({ cameOnline: false });
    expect(await store.takeLapsed(TTL + 300)).toEqual([]);
    expect(await store.isOnline('u1')).toBe(true);
  });

  it('a user taken as lapsed who comes back is online again', async () => {
    const store = createMemoryPresenceStore();
    await store.touch('u1', TTL, 0);
    expect(await store.takeLapsed(TTL)).toEqual(['u1']);
    expect(await store.touch('u1', TTL, TTL + 50)).toEqual({ cameOnline: true });
    expect(await store.isOnline('u1')).toBe(true);
    expect(await store.takeLapsed(2 * TTL + 50)).toEqual(['u1']);
  });
});
