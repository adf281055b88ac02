import { describe, expect, it } from 'vitest';
import { createNodeMemoryPresenceStore, type NodeMemoryPresenceStore, type PeerPresenceChange } from './node-memory-presence-store.ts';

const TTL = 1_000;

/** Nodes that hear each other's messages at once (serverSideEmit reaches every node but the sender); `kill` silences one for good. */
function cluster(count: number): { nodes: NodeMemoryPresenceStore[]; kill(index: number): void } {
  const dead = new Set<number>();
  const nodes: NodeMemoryPresenceStore[] = [];
  for (let i = 0; i < count; i++) {
    nodes.push(createNodeMemoryPresenceStore({
      nodeId: `n${i}`,
      publish: (change: PeerPresenceChange) => nodes.forEach((node, j) => j !== i && !dead.has(j) && node.received(change)),
    }));
  }
  return { nodes, kill: (index) => dead.add(index) };
}

describe('createNodeMemoryPresenceStore', () => {
  it('keeps the TTL on the node that holds the user, and every node sees the user online', async () => {
    const { nodes: [a, b] } = cluster(2);
    expect(await a!.touch('u1', TTL, 0)).toEqual({ cameOnline: true });
    expect(await a!.touch('u1', TTL, 500)).toEqual({ cameOnline: false });
    expect(await b!.isOnline('u1')).toBe(true);
    expect(await a!.takeLapsed(TTL)).toEqual([]);
    expect(await a!.takeLapsed(500 + TTL)).toEqual(['u1']);
    expect(await a!.isOnline('u1')).toBe(false);
    expect(await b!.isOnline('u1')).toBe(false);
  });

  it('a user held on two nodes comes online once and goes offline once, when the last hold lapses', async () => {
    const { nodes: [a, b] } = cluster(2);
    expect(await a!.touch('u1', TTL, 0)).toEqual({ cameOnline: true });
    expect(await b!.touch('u1', TTL, 300)).toEqual({ cameOnline: false });
    expect(await a!.takeLapsed(TTL)).toEqual([]);
    expect(await b!.isOnline('u1')).toBe(true);
    expect(await b!.takeLapsed(300 + TTL)).toEqual(['u1']);
    expect(await a!.isOnline('u1')).toBe(false);
  });

  it('a killed node takes its users with it: the survivors show them online for good and never sweep them', async () => {
    const { nodes: [a, b, c], kill } = cluster(3);
    await a!.touch('gone', TTL, 0);
    await b!.touch('stays', TTL, 0);
    kill(0);
    // Nothing holds 'gone' any longer but a memory that no longer exists.
    expect(await b!.takeLapsed(100 * TTL)).toEqual(['stays']);
    expect(await c!.takeLapsed(100 * TTL)).toEqual([]);
    expect(await b!.isOnline('gone')).toBe(true);
    expect(await c!.isOnline('gone')).toBe(true);
    expect(await c!.isOnline('stays')).toBe(false);
  });

  it('ignores malformed messages and its own', async () => {
    const store = createNodeMemoryPresenceStore({ nodeId: 'me', publish: () => {} });
    store.received({ nodeId: 'me', userId: 'u1', online: true });
    store.received({ userId: 'u2', online: true });
    store.received('online');
    expect(store.heldElsewhere()).toBe(0);
    expect(await store.isOnline('u1')).toBe(false);
  });
});

describe('release (a clean shutdown)', () => {
  it('lets go of every user the node holds: those held nowhere else go offline everywhere, the others stay online', async () => {
    const { nodes: [a, b] } = cluster(2);
    await a!.touch('only-here', TTL, 0);
    await a!.touch('also-on-b', TTL, 0);
    await b!.touch('also-on-b', TTL, 0);
    expect(a!.release()).toEqual(['only-here']);
    expect(await b!.isOnline('only-here')).toBe(false);
    expect(await b!.isOnline('also-on-b')).toBe(true);
    expect(await a!.takeLapsed(100 * TTL)).toEqual([]);
    expect(await b!.takeLapsed(100 * TTL)).toEqual(['also-on-b']);
  });
});
