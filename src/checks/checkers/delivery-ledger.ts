import { listSeqs, quoteBody, type Verdict } from './messaging-evidence.ts';

/** The fields of a message that must be the same wherever it shows up. */
export interface LedgerMessage {
  id: string;
  bookingId: string;
  seq: number;
  senderId: string;
  body: string;
  clientMsgId: string;
}

const COMPARED = ['seq', 'body', 'senderId', 'clientMsgId', 'bookingId'] as const;

function differences(seen: Partial<LedgerMessage>, acked: LedgerMessage): string[] {
  const out: string[] = [];
  for (const field of COMPARED) {
    // A field the ack did not tell (a profile's app acks with an id only) is not a difference.
    if (acked[field] === undefined) continue;
    if (seen[field] !== acked[field]) {
      const show = (value: unknown) => (field === 'body' ? quoteBody(value) : JSON.stringify(value));
      out.push(`${field} ${show(seen[field])} (acked ${show(acked[field])})`);
    }
  }
  return out;
}

/**
 * Contract §6.2: an acked message reaches every socket that was in the room from before the
 * send until after it, and is in history, the same message everywhere. Fed with what was
 * acked, which sockets were members throughout, what each received and what history said.
 * Order and duplicates are not judged here (createOrderChecker does).
 */
export function createDeliveryLedger() {
  const acked = new Map<string, { message: LedgerMessage; by: string }>();
  const members: string[] = [];
  const received = new Map<string, Map<string, Partial<LedgerMessage>>>();
  const histories: { asWho: string; booking: string; messages: Partial<LedgerMessage>[] }[] = [];

  return {
    /** A send that was acked `{ok:true, message}` on socket `by`. */
    acked(by: string, message: LedgerMessage): void {
      acked.set(message.id, { message, by });
    },
    /** A socket that was in the booking room before the first send and stayed until the end. */
    member(socket: string): void {
      if (!members.includes(socket)) members.push(socket);
      if (!received.has(socket)) received.set(socket, new Map());
    },
    /** A `message:new` this socket received. */
    received(socket: string, payload: Partial<LedgerMessage>): void {
      let got = received.get(socket);
      if (!got) received.set(socket, (got = new Map()));
      if (typeof payload?.id === 'string' && !got.has(payload.id)) got.set(payload.id, payload);
    },
    /** What `GET /api/bookings/:id/messages` answered, read as `asWho`. */
    history(asWho: string, booking: string, messages: Partial<LedgerMessage>[]): void {
      histories.push({ asWho, booking, messages });
    },
    /** Whether `socket` has received every acked message (to stop waiting early). */
    complete(socket: string): boolean {
      const got = received.get(socket);
      return [...acked.keys()].every((id) => got?.has(id));
    },
    verdict(): Verdict {
      const evidence: string[] = [];
      const ackedSorted = [...acked.values()].sort((a, b) => a.message.seq - b.message.seq);
      for (const socket of members) {
        const got = received.get(socket) ?? new Map();
        const missing = ackedSorted.filter(({ message }) => !got.has(message.id));
        if (missing.length) {
          const booking = missing[0]!.message.bookingId;
          const own = missing.filter(({ by }) => by === socket).length;
          const whose = own === missing.length ? 'all of them its own sends' : `acked to ${[...new Set(missing.map(({ by }) => by))].join(', ')}`;
          evidence.push(
            `${socket} never received ${missing.length} of ${acked.size} acked messages in booking ${booking}: seq ${listSeqs(missing.map(({ message }) => message.seq))} (${whose})`,
          );
        }
        for (const { message, by } of ackedSorted) {
          const seen = got.get(message.id);
          const diff = seen && differences(seen, message);
          if (diff?.length) evidence.push(`${socket} received ${message.id} in booking ${message.bookingId} with ${diff.join(', ')}; it was acked to ${by}`);
        }
      }
      for (const { asWho, booking, messages } of histories) {
        const byId = new Map(messages.filter((m) => typeof m?.id === 'string').map((m) => [m.id as string, m]));
        const missing = ackedSorted.filter(({ message }) => message.bookingId === booking && !byId.has(message.id));
        if (missing.length) {
          evidence.push(
            `history of booking ${booking} (read as ${asWho}, ${messages.length} messages) lacks ${missing.length} of ${acked.size} acked messages: seq ${listSeqs(missing.map(({ message }) => message.seq))}`,
          );
        }
        for (const { message, by } of ackedSorted) {
          const stored = byId.get(message.id);
          const diff = stored && differences(stored, message);
          if (diff?.length) evidence.push(`history of booking ${booking} (read as ${asWho}) has ${message.id} with ${diff.join(', ')}; it was acked to ${by}`);
        }
      }
      return { passed: evidence.length === 0, evidence };
    },
  };
}

export type DeliveryLedger = ReturnType<typeof createDeliveryLedger>;
