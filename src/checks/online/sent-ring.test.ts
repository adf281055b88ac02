import { describe, expect, it } from 'vitest';
import { createSentRing } from './sent-ring.ts';

describe('sent ring: the sender of each of the last N sends', () => {
  it('finds the sender of a held send, and nothing for an id never sent', () => {
    const ring = createSentRing(4);
    ring.add('m1', 'b1');
    ring.add('m2', 's1');
    expect([ring.senderOf('m1'), ring.senderOf('m2'), ring.senderOf('m3')]).toEqual(['b1', 's1', undefined]);
    expect(ring.size()).toBe(2);
  });

  it('keeps the first sender of a repeated id (a resend is the same message)', () => {
    const ring = createSentRing(4);
    ring.add('m1', 'b1');
    ring.add('m1', 's1');
    expect(ring.senderOf('m1')).toBe('b1');
    expect(ring.size()).toBe(1);
  });

  it('holds exactly the last `capacity` sends, as a Map of them would, through long runs of evictions', () => {
    // Small capacities make the index crowded: long probe runs, and deletions in the middle of them.
    for (const capacity of [1, 2, 3, 5, 8, 13, 100]) {
      const ring = createSentRing(capacity);
      const order: string[] = [];
      const reference = new Map<string, string>();
      let seed = capacity;
      const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
      for (let i = 0; i < 5_000; i++) {
        // Some ids repeat (a resend), most are new.
        const id = random() < 0.1 && order.length ? order[Math.floor(random() * order.length)]! : `m${i}-bk${i % 7}`;
        const sender = `u${i % 11}`;
        ring.add(id, sender);
        if (!reference.has(id)) {
          reference.set(id, sender);
          order.push(id);
          if (order.length > capacity) reference.delete(order.shift()!);
        }
        if (i % 97 === 0 || i > 4_990) {
          for (const held of order) expect(ring.senderOf(held), `capacity ${capacity}, step ${i}, ${held}`).toBe(reference.get(held));
          expect(ring.senderOf(`m${i - capacity - 1}-bk${(i - capacity - 1) % 7}`)).toBe(reference.get(`m${i - capacity - 1}-bk${(i - capacity - 1) % 7}`));
          expect(ring.size()).toBe(order.length);
        }
      }
    }
  });

  it('refuses a capacity that holds nothing', () => {
    expect(() => createSentRing(0)).toThrow(/at least one send/);
  });
});
