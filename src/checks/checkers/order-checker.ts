import { listSeqs, type Verdict } from './messaging-evidence.ts';

/** One `message:new` as one socket saw it. */
export interface SeqObservation {
  /** The receiving connection, `user@cN`. */
  socket: string;
  booking: string;
  seq: number;
}

/**
 * Contract §6.1 at the receiving end: every socket sees each booking's `seq` strictly
 * increasing and never twice. Missing seqs are not judged here: a socket that never got a
 * message is a delivery failure (§6.2, see createDeliveryLedger).
 */
export function createOrderChecker(options: { maxLinesPerSocket?: number } = {}) {
  const maxLines = options.maxLinesPerSocket ?? 3;
  const last = new Map<string, number>();
  const seen = new Map<string, Set<number>>();
  const lines = new Map<string, string[]>();
  const report = (socket: string, booking: string, line: string) => {
    const key = `${socket}\u0000${booking}`;
    let list = lines.get(key);
    if (!list) lines.set(key, (list = []));
    list.push(line);
  };
  return {
    observe({ socket, booking, seq }: SeqObservation): void {
      const key = `${socket}\u0000${booking}`;
      if (!Number.isSafeInteger(seq) || seq < 1) {
        report(socket, booking, `${socket} got seq ${JSON.stringify(seq)} in booking ${booking} (not a positive integer)`);
        return;
      }
      let seqs = seen.get(key);
      if (!seqs) seen.set(key, (seqs = new Set()));
      const previous = last.get(key);
      if (seqs.has(seq)) report(socket, booking, `${socket} got seq ${seq} twice in booking ${booking}`);
      else if (previous !== undefined && seq < previous) report(socket, booking, `${socket} got seq ${seq} after ${previous} in booking ${booking}`);
      seqs.add(seq);
      last.set(key, seq);
    },
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
