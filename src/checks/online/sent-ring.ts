/**
 * Who sent each of the last `capacity` messages of a run, held with no object per send.
 *
 * A checked run hands the checks every acked send (thousands a second); the read checks need
 * the sender of any recent message, to judge a mark acked to the message's own sender
 * (read-marks.ts). Kept in a Map of message ids, each a fresh string from its ack kept alive for
 * seconds, the checked arm of issue 14's bench read 1.10x the unchecked one's CPU per acked round
 * trip, in turns; with this ring, 1.07x (bench/README.md). Here the ids are kept as 64-bit hashes
 * in typed arrays, found through an open-addressing index (linear probing, deletion by backward
 * shift), and the senders as references to the users' own id strings: the memory is allocated
 * once and a send allocates nothing.
 *
 * Two different ids with the same 64-bit hash would be taken for one: the odds for one lookup
 * are about capacity / 2^64 (10^-15 with 10,000 held). Pure.
 */
export interface SentRing {
  /** `messageId` was sent by `senderId` (a repeat of a held id keeps its first sender). */
  add(messageId: string, senderId: string): void;
  /** The sender of `messageId`, if it is among the last `capacity` sends. */
  senderOf(messageId: string): string | undefined;
  /** Sends held now (at most `capacity`). */
  size(): number;
}

const EMPTY = -1;

// The two halves of the last id hashed: module variables, so hashing allocates nothing.
let hashHi = 0;
let hashLo = 0;

/** Two independent 32-bit hashes of `text` (FNV-1a, and a multiply-rotate mix), into hashHi and hashLo. */
function hash(text: string): void {
  let a = 0x811c9dc5;
  let b = 0x9747b28c ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  // Final mixes (murmur3's), so that ids differing in their last characters spread over the index.
  a ^= a >>> 16;
  a = Math.imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  b ^= b >>> 16;
  b = Math.imul(b, 0xc2b2ae35);
  b ^= b >>> 16;
  hashHi = a >>> 0;
  hashLo = b >>> 0;
}

export function createSentRing(capacity: number): SentRing {
  if (!Number.isSafeInteger(capacity) || capacity < 1) throw new Error(`a sent ring holds at least one send, not ${capacity}`);
  const hi = new Uint32Array(capacity);
  const lo = new Uint32Array(capacity);
  const senders: (string | undefined)[] = new Array<string | undefined>(capacity).fill(undefined);
  // At least twice the ring, a power of two: probes stay short and a position is a mask away.
  const slots = 2 ** Math.ceil(Math.log2(capacity * 2));
  const mask = slots - 1;
  /** Index position → ring slot, or EMPTY. */
  const index = new Int32Array(slots).fill(EMPTY);
  let written = 0;

  /** The index position holding the current hash, or EMPTY. */
  const find = (): number => {
    for (let at = hashLo & mask; ; at = (at + 1) & mask) {
      const slot = index[at]!;
      if (slot === EMPTY) return EMPTY;
      if (hi[slot] === hashHi && lo[slot] === hashLo) return at;
    }
  };
  /** Removes ring slot `slot` from the index: the entries after it in its probe run move back. */
  const unindex = (slot: number): void => {
    let at = lo[slot]! & mask;
    while (index[at] !== slot) at = (at + 1) & mask;
    let hole = at;
    for (let next = (hole + 1) & mask; index[next] !== EMPTY; next = (next + 1) & mask) {
      const home = lo[index[next]!]! & mask;
      // Move the entry back into the hole unless its home lies between the hole and it.
      const between = hole <= next ? home > hole && home <= next : home > hole || home <= next;
      if (!between) {
        index[hole] = index[next]!;
        hole = next;
      }
    }
    index[hole] = EMPTY;
  };

  return {
    add(messageId, senderId) {
      hash(messageId);
      if (find() !== EMPTY) return;
      const h = hashHi;
      const l = hashLo;
      const slot = written % capacity;
      if (written >= capacity) unindex(slot);
      hi[slot] = h;
      lo[slot] = l;
      senders[slot] = senderId;
      let at = l & mask;
      while (index[at] !== EMPTY) at = (at + 1) & mask;
      index[at] = slot;
      written++;
    },
    senderOf(messageId) {
      hash(messageId);
      const at = find();
      return at === EMPTY ? undefined : senders[index[at]!];
    },
    size: () => Math.min(written, capacity),
  };
}
