/**
 * Fan-out deliveries in flight: which send caused each event, which receivers it is owed to,
 * and which of them have had it. Pure: time is an argument, and outcomes go to callbacks.
 *
 * A delivery is matched to the send that caused it by what the server echoes, never by a key
 * the next send overwrites (issue 12, item 4):
 * - a message by its clientMsgId, known at the send (`sent`, then `accepted`/`refused` by the ack);
 * - a price or status change by the version its HTTP answer names (`caused`). The server emits
 *   before it answers, so arrivals wait, unclaimed, for the answer that names their version;
 * - an availability change by order: the answer to a booking (or to a decline or cancel) says
 *   it changed the listing but not the listing's version, so it claims the next version of that
 *   listing's stream (`causedNext`). One booking at a time can win a listing, and only a release
 *   makes it available again, so a listing's availability changes are caused one after another.
 *
 * A delivery is owed to every receiver in the room from before the send until after it
 * (docs/contract.md §6.2). One still owed at the deadline, and still in the room without a break
 * since before the send, is lost. A receiver that left, lost its connection or was closed is
 * owed nothing. Every entry goes on arrival, refusal or deadline: the ledger holds what is in
 * flight, never the run's history.
 */
export interface Fanout {
  event: string;
  room: string;
}

/** Who is in which room since when (the room census). */
export interface Membership {
  since(room: string, receiver: object): number | undefined;
  members(room: string): Iterable<[object, number]>;
}

export interface LedgerOutcomes {
  delivered(fanout: Fanout, sentAtUs: number, arrivedAtUs: number): void;
  /**
   * `receiver`, owed the delivery, did not have it by the deadline. `cause` names what was lost:
   * the send's key (a message's `m|clientMsgId`) or `stream#version` (`stream#next` for a change
   * whose version no answer named).
   */
  lost(fanout: Fanout, receiver: object, sentAtUs: number, cause: string, seq?: number): void;
}

export interface DeliveryLedgerOptions {
  membership: Membership;
  outcomes: LedgerOutcomes;
  /** A delivery not there this long after its send is lost. */
  timeoutUs: number;
  /** How long an arrival waits for the answer that names its cause; at least the HTTP timeout. Default timeoutUs. */
  claimWindowUs?: number;
}

export interface LedgerSizes {
  /** Causes with receivers still owed a delivery, or waiting for their version. */
  pending: number;
  /** Arrivals waiting for the answer that names their cause. */
  unclaimed: number;
  /** Listing availability streams whose last attributed version is remembered (at most one per listing). */
  pairedStreams: number;
}

export interface DeliveryLedger {
  /**
   * A send whose cause the server echoes (a message's clientMsgId). Returns false when a send of
   * that key is still in flight: a retry, whose delivery the first send caused.
   */
  sent(key: string, fanout: Fanout, sentAtUs: number): boolean;
  /**
   * The send of `key` was accepted. `judge`: receivers still owed at the deadline are losses.
   * `seq`: the message's, named in a loss (the online checks count its gap once).
   */
  accepted(key: string, judge: boolean, seq?: number): void;
  /** The send of `key` was refused or never answered: nothing is owed. */
  refused(key: string): void;
  /** An answer named the version its change goes out with. */
  caused(stream: string, version: number, fanout: Fanout, sentAtUs: number): void;
  /** An answer said it caused the stream's next change, without naming the version. */
  causedNext(stream: string, fanout: Fanout, sentAtUs: number): void;
  arrivedKeyed(key: string, receiver: object, atUs: number): void;
  arrived(stream: string, version: number, receiver: object, atUs: number): void;
  /** Settle what is past its deadline; drop arrivals no answer claimed in time. */
  sweep(nowUs: number): void;
  /** Forget everything uncounted (the run is over). */
  clear(): void;
  isEmpty(): boolean;
  sizes(): LedgerSizes;
}

export const deliveryStreams = {
  message: (clientMsgId: string) => `m|${clientMsgId}`,
  price: (listingId: string) => `p|${listingId}`,
  availability: (listingId: string, available: boolean) => `a|${listingId}|${available}`,
  status: (bookingId: string) => `s|${bookingId}`,
  read: (messageId: string) => `r|${messageId}`,
} as const;

type Judging = 'awaiting_ack' | 'judged' | 'unjudged';

interface Cause {
  fanout: Fanout;
  sentAtUs: number;
  /** Receivers owed this delivery that have not had it yet. */
  owed: Set<object>;
  judging: Judging;
  seq?: number;
}

interface Unclaimed {
  firstAtUs: number;
  arrivals: { receiver: object; atUs: number }[];
}

const versionKey = (stream: string, version: number) => `${stream}#${version}`;

export function createDeliveryLedger(options: DeliveryLedgerOptions): DeliveryLedger {
  const { membership, outcomes, timeoutUs } = options;
  const claimWindowUs = Math.max(timeoutUs, options.claimWindowUs ?? timeoutUs);
  const causes = new Map<string, Cause>();
  /** Causes that claim their stream's next version, oldest first. */
  const awaiting = new Map<string, Cause[]>();
  const unclaimed = new Map<string, Map<number, Unclaimed>>();
  /** Per paired stream, the last version attributed: later copies of it are claimed by no one. */
  const lastClaimed = new Map<string, number>();

  const newCause = (fanout: Fanout, sentAtUs: number, judging: Judging): Cause => {
    const owed = new Set<object>();
    for (const [receiver, sinceUs] of membership.members(fanout.room)) if (sinceUs <= sentAtUs) owed.add(receiver);
    return { fanout, sentAtUs, owed, judging };
  };

  const deliver = (cause: Cause, receiver: object, atUs: number) => {
    outcomes.delivered(cause.fanout, cause.sentAtUs, atUs);
    cause.owed.delete(receiver);
  };

  const settle = (cause: Cause, key: string) => {
    if (cause.judging !== 'judged') return;
    for (const receiver of cause.owed) {
      const sinceUs = membership.since(cause.fanout.room, receiver);
      if (sinceUs !== undefined && sinceUs <= cause.sentAtUs) outcomes.lost(cause.fanout, receiver, cause.sentAtUs, key, cause.seq);
    }
  };

  /** `cause` is the cause of `stream` at `version`: buffered arrivals are its deliveries. */
  const claim = (stream: string, version: number, cause: Cause) => {
    const versions = unclaimed.get(stream);
    const buffered = versions?.get(version);
    if (versions && buffered) {
      versions.delete(version);
      if (versions.size === 0) unclaimed.delete(stream);
      for (const { receiver, atUs } of buffered.arrivals) if (atUs >= cause.sentAtUs) deliver(cause, receiver, atUs);
    }
    if (cause.owed.size > 0) causes.set(versionKey(stream, version), cause);
  };

  /** A paired stream's version is attributed: versions before it can no longer be. */
  const claimPaired = (stream: string, version: number, cause: Cause) => {
    lastClaimed.set(stream, version);
    const versions = unclaimed.get(stream);
    if (versions) for (const v of versions.keys()) if (v < version) versions.delete(v);
    claim(stream, version, cause);
  };

  const nextUnclaimed = (stream: string, sentAtUs: number): number | undefined => {
    const versions = unclaimed.get(stream);
    if (!versions) return undefined;
    const floor = lastClaimed.get(stream) ?? -Infinity;
    let next: number | undefined;
    for (const [version, buffered] of versions) {
      // An arrival before the send cannot be its effect.
      if (version > floor && buffered.firstAtUs >= sentAtUs && (next === undefined || version < next)) next = version;
    }
    return next;
  };

  return {
    sent(key, fanout, sentAtUs) {
      if (causes.has(key)) return false;
      const cause = newCause(fanout, sentAtUs, 'awaiting_ack');
      if (cause.owed.size > 0) causes.set(key, cause);
      return true;
    },
    accepted(key, judge, seq) {
      const cause = causes.get(key);
      if (cause?.judging !== 'awaiting_ack') return;
      cause.judging = judge ? 'judged' : 'unjudged';
      if (seq !== undefined) cause.seq = seq;
    },
    refused(key) {
      if (causes.get(key)?.judging === 'awaiting_ack') causes.delete(key);
    },
    caused(stream, version, fanout, sentAtUs) {
      if (causes.has(versionKey(stream, version))) return;
      claim(stream, version, newCause(fanout, sentAtUs, 'judged'));
    },
    causedNext(stream, fanout, sentAtUs) {
      const cause = newCause(fanout, sentAtUs, 'judged');
      const version = nextUnclaimed(stream, sentAtUs);
      if (version !== undefined) {
        claimPaired(stream, version, cause);
        return;
      }
      // Queued even when no receiver is owed it: it still takes its version, so the next
      // cause on this stream is not timed against it.
      const queue = awaiting.get(stream);
      if (queue) queue.push(cause);
      else awaiting.set(stream, [cause]);
    },
    arrivedKeyed(key, receiver, atUs) {
      const cause = causes.get(key);
      if (!cause) return;
      deliver(cause, receiver, atUs);
      if (cause.owed.size === 0) causes.delete(key);
    },
    arrived(stream, version, receiver, atUs) {
      const key = versionKey(stream, version);
      const cause = causes.get(key);
      if (cause) {
        deliver(cause, receiver, atUs);
        if (cause.owed.size === 0) causes.delete(key);
        return;
      }
      const floor = lastClaimed.get(stream);
      if (floor !== undefined && version <= floor) return;
      let versions = unclaimed.get(stream);
      if (!versions) unclaimed.set(stream, (versions = new Map()));
      const buffered = versions.get(version);
      if (buffered) buffered.arrivals.push({ receiver, atUs });
      else versions.set(version, { firstAtUs: atUs, arrivals: [{ receiver, atUs }] });
      const queue = awaiting.get(stream);
      const head = queue?.[0];
      if (queue && head && atUs >= head.sentAtUs) {
        queue.shift();
        if (queue.length === 0) awaiting.delete(stream);
        claimPaired(stream, version, head);
      }
    },
    sweep(nowUs) {
      for (const [key, cause] of causes) {
        // A send whose ack is not in yet may still be refused: it waits for the ack (bounded by the ack timeout).
        if (cause.judging === 'awaiting_ack' || nowUs < cause.sentAtUs + timeoutUs) continue;
        causes.delete(key);
        settle(cause, key);
      }
      for (const [stream, queue] of awaiting) {
        // Its change reached no one in time. (Should it still come, it is left unclaimed.)
        const due = queue.filter((cause) => nowUs >= cause.sentAtUs + timeoutUs);
        for (const cause of due) settle(cause, `${stream}#next`);
        if (due.length === queue.length) awaiting.delete(stream);
        else if (due.length > 0) awaiting.set(stream, queue.filter((cause) => !due.includes(cause)));
      }
      for (const [stream, versions] of unclaimed) {
        for (const [version, buffered] of versions) if (nowUs - buffered.firstAtUs >= claimWindowUs) versions.delete(version);
        if (versions.size === 0) unclaimed.delete(stream);
      }
    },
    clear() {
      causes.clear();
      awaiting.clear();
      unclaimed.clear();
      lastClaimed.clear();
    },
    isEmpty: () => causes.size === 0 && awaiting.size === 0 && unclaimed.size === 0,
    sizes() {
      let pending = causes.size;
      for (const queue of awaiting.values()) pending += queue.length;
      let buffered = 0;
      for (const versions of unclaimed.values()) for (const u of versions.values()) buffered += u.arrivals.length;
      return { pending, unclaimed: buffered, pairedStreams: lastClaimed.size };
    },
  };
}
