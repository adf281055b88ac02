import { createPerSocket } from './per-socket.ts';
import { listSeqs, type Verdict } from './messaging-evidence.ts';

/** One `message:new` as one socket saw it. */
export interface SeqObservation {
  /** The receiving connection, `user@cN`. */
  socket: string;
  booking: string;
  seq: number;
}

/** One breach of §6.1 at one socket, as data: `bazaar run` records it as evidence. */
export interface SeqViolation {
  socket: string;
  booking: string;
  /** What the socket should have got, e.g. `seq > 43`. */
  expected: string;
  /** What it got, e.g. `seq 41 after 43`. */
  observed: string;
  /** The same as one line of evidence. */
  line: string;
}

export interface OrderCheckerOptions {
  /** Evidence lines kept per socket and booking for verdict(); default 3. */
  maxLinesPerSocket?: number;
  /**
   * Hands each violation over as it happens instead of keeping lines for verdict(): a load run
   * counts and samples them itself, so a long run does not pile up evidence here.
   */
  onViolation?(violation: SeqViolation): void;
  /**
   * Seqs remembered per socket and booking to tell a duplicate from a descent; default all.
   * A bound keeps a long run's memory flat: a repeat of a forgotten seq is still caught, as a
   * descent (it is below the last one).
   */
  rememberSeqs?: number;
}

interface SeqState {
  last: number | undefined;
  seen: Set<number>;
}

/**
 * Contract §6.1 at the receiving end: every socket sees each booking's `seq` strictly
 * increasing and never twice. Missing seqs are not judged here: a socket that never got a
 * message is a delivery failure (§6.2, see createDeliveryLedger), and a socket that was away
 * (a reconnect) legitimately resumes after a gap. A gap is never a reorder; a repeat or a
 * descent is.
 */
export function createOrderChecker(options: OrderCheckerOptions = {}) {
  const maxLines = options.maxLinesPerSocket ?? 3;
  const remember = options.rememberSeqs ?? Infinity;
  const { onViolation } = options;
  /** Per socket, per booking. */
  const state = createPerSocket<SeqState>();
  const lines = new Map<string, string[]>();
  const report = (socket: string, booking: string, expected: string, observed: string, line: string) => {
    if (onViolation) {
      onViolation({ socket, booking, expected, observed, line });
      return;
    }
    const key = `${socket}\u0000${booking}`;
    let list = lines.get(key);
    if (!list) lines.set(key, (list = []));
    list.push(line);
  };
  return {
    observe({ socket, booking, seq }: SeqObservation): void {
      if (!Number.isSafeInteger(seq) || seq < 1) {
        report(socket, booking, 'a positive integer seq', `seq ${JSON.stringify(seq)}`,
          `${socket} got seq ${JSON.stringify(seq)} in booking ${booking} (not a positive integer)`);
        return;
      }
      const bookings = state.of(socket);
      let s = bookings.get(booking);
      if (!s) bookings.set(booking, (s = { last: undefined, seen: new Set() }));
      const previous = s.last;
      if (s.seen.has(seq)) {
        report(socket, booking, `seq > ${previous} (each seq once)`, `seq ${seq} again`, `${socket} got seq ${seq} twice in booking ${booking}`);
      } else if (previous !== undefined && seq < previous) {
        report(socket, booking, `seq > ${previous}`, `seq ${seq} after ${previous}`, `${socket} got seq ${seq} after ${previous} in booking ${booking}`);
      }
      s.seen.add(seq);
      // Oldest first: in a healthy stream those are the smallest seqs.
      if (s.seen.size > remember) s.seen.delete(s.seen.values().next().value as number);
      s.last = seq;
    },
    /** Drop what is kept for `socket` (in `booking`, or everywhere): it left the room, or for good. */
    forget(socket: string, booking?: string): void {
      state.forget(socket, booking);
    },
    /** How many socket-and-booking streams it holds (tests prove it follows what is active). */
    size: () => state.size(),
    /** At most `maxLinesPerSocket` lines per socket and booking, then how many more. */
    verdict(): Verdict {
      const evidence: string[] = [];
      for (const [key, list] of lines) {
        evidence.push(...list.slice(0, maxLines));
        if (list.length > maxLines) {
          const [socket, booking] = key.split('\u0000');
          evidence.push(`${socket} got ${list.length - maxLines} more seqs out of order or twice in booking ${booking}`);
        }
      }
      return { passed: evidence.length === 0, evidence };
    },
  };
}

export type OrderChecker = ReturnType<typeof createOrderChecker>;

/**
 * Contract §6.1 at the source: the seqs a booking handed out (to acks of `count` sends) are
 * exactly 1..count, each once. `source` says where they were read, e.g. "acks of 100 sends".
 */
export function judgeSeqAssignment(booking: string, seqs: readonly number[], source: string): Verdict {
  const evidence: string[] = [];
  const counts = new Map<number, number>();
  for (const seq of seqs) counts.set(seq, (counts.get(seq) ?? 0) + 1);
  for (const [seq, times] of [...counts].sort((a, b) => a[0] - b[0])) {
    if (times > 1) evidence.push(`${source} in booking ${booking} got seq ${seq} ${times} times`);
    if (!Number.isSafeInteger(seq) || seq < 1 || seq > seqs.length) {
      evidence.push(`${source} in booking ${booking} got seq ${JSON.stringify(seq)}, outside 1..${seqs.length}`);
    }
  }
  const missing: number[] = [];
  for (let seq = 1; seq <= seqs.length; seq++) if (!counts.has(seq)) missing.push(seq);
  if (missing.length) {
    evidence.push(`${source} in booking ${booking} skipped seq ${listSeqs(missing)}: seq must start at 1 with no gaps`);
  }
  return { passed: evidence.length === 0, evidence };
}

/** History (`GET /api/bookings/:id/messages`) lists messages in strictly increasing seq. */
export function judgeHistoryOrder(booking: string, seqs: readonly number[], asWho: string): Verdict {
  const evidence: string[] = [];
  for (let i = 1; i < seqs.length; i++) {
    const previous = seqs[i - 1] as number;
    const seq = seqs[i] as number;
    if (!(seq > previous)) evidence.push(`history of booking ${booking} (read as ${asWho}) lists seq ${seq} after ${previous}`);
  }
  return { passed: evidence.length === 0, evidence };
}
