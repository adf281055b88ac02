/**
 * Gaps in `seq` that never fill (docs/contract.md §6.2, at the receiving end): a receiver in a
 * booking room that saw seq n and then n+2 is owed n+1; if it has not come within the deadline,
 * it is lost. A gap that fills late is a reorder (the order checker's), not a loss. A receiver
 * whose connection came back, or that joined after the first seqs, starts afresh: what it missed
 * while away was never owed. Pure: times come in as arguments.
 */

export interface SeqGap<R extends object = object> {
  receiver: R;
  booking: string;
  seq: number;
  /** The seqs either side that did arrive. */
  before: number;
  after: number;
  openedAtUs: number;
}

interface GapStream<R> {
  receiver: R;
  booking: string;
  last: number;
  /** Missing seq → [the seq before it that came, the one after, when the gap opened]; made when a gap opens. */
  missing: Map<number, [number, number, number]> | undefined;
  /** Seqs already counted lost by the delivery tracker: not counted again when their gap opens. */
  lost: number[] | undefined;
}

/** At most this many missing seqs held per stream (a larger jump is a gap judged on its first seqs). */
const MAX_MISSING = 64;
const MAX_LOST = 16;

export function createSeqGaps<R extends object>(options: { deadlineUs: number; onLost(gap: SeqGap<R>): void }) {
  const streams = new Map<R, Map<string, GapStream<R>>>();
  /** Streams with a gap open, judged by due(). */
  const open = new Set<GapStream<R>>();

  const streamOf = (receiver: R, booking: string): GapStream<R> | undefined => streams.get(receiver)?.get(booking);

  return {
    observe(receiver: R, booking: string, seq: number, atUs: number): void {
      if (!Number.isSafeInteger(seq) || seq < 1) return;
      let bookings = streams.get(receiver);
      if (!bookings) streams.set(receiver, (bookings = new Map()));
      const stream = bookings.get(booking);
      if (!stream) {
        // Nothing but the last seq until a gap opens: most streams never have one.
        bookings.set(booking, { receiver, booking, last: seq, missing: undefined, lost: undefined });
        return;
      }
      if (seq === stream.last + 1) {
        stream.last = seq;
      } else if (seq > stream.last) {
        const missing = (stream.missing ??= new Map());
        const upTo = Math.min(seq - 1, stream.last + MAX_MISSING - missing.size);
        for (let s = stream.last + 1; s <= upTo; s++) if (!stream.lost?.includes(s)) missing.set(s, [stream.last, seq, atUs]);
        if (missing.size > 0) open.add(stream);
        stream.last = seq;
      } else if (stream.missing?.delete(seq) && stream.missing.size === 0) {
        open.delete(stream);
      }
    },
    /** The delivery tracker counted `seq` lost for `receiver`: it is not counted again as a gap. */
    lostElsewhere(receiver: R, booking: string, seq: number): void {
      const stream = streamOf(receiver, booking);
      if (!stream) return;
      if (stream.missing?.delete(seq)) {
        if (stream.missing.size === 0) open.delete(stream);
        return;
      }
      const lost = (stream.lost ??= []);
      lost.push(seq);
      if (lost.length > MAX_LOST) lost.shift();
    },
    /** Report the gaps open past the deadline as lost. */
    due(nowUs: number): void {
      for (const stream of open) {
        const missing = stream.missing!;
        for (const [seq, [before, after, openedAtUs]] of missing) {
          if (nowUs - openedAtUs < options.deadlineUs) continue;
          missing.delete(seq);
          options.onLost({ receiver: stream.receiver, booking: stream.booking, seq, before, after, openedAtUs });
        }
        if (missing.size === 0) open.delete(stream);
      }
    },
    /** Drop `receiver`'s streams (in `booking`, or all): it left, came back after a drop, or is gone. */
    forget(receiver: R, booking?: string): void {
      const bookings = streams.get(receiver);
      if (!bookings) return;
      for (const [id, stream] of bookings) {
        if (booking !== undefined && id !== booking) continue;
        open.delete(stream);
        bookings.delete(id);
      }
      if (bookings.size === 0) streams.delete(receiver);
    },
    pending: () => open.size > 0,
    size(): number {
      let n = 0;
      for (const bookings of streams.values()) n += bookings.size;
      return n;
    },
  };
}

export type SeqGaps<R extends object> = ReturnType<typeof createSeqGaps<R>>;
