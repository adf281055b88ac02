import type { Booking, Listing } from '../../contract/index.ts';
import type { SeededWorld } from '../../scenario/types.ts';

/** Who receives: the user behind a connection, and its role (admins may be in every room). */
export interface Recipient {
  readonly userId: string;
  readonly role?: string;
}

/**
 * An event a recipient should not have had. `leak`: it reached a socket not entitled to its room
 * (docs/contract.md §4); `write`: it carries a write (a message, typing, a read) by a user who
 * may not write there (§5, §6.7), whoever receives it.
 */
export interface AuthzFinding {
  kind: 'leak' | 'write';
  room: string;
  expected: string;
  observed: string;
}

export interface Entitlements {
  /**
   * A booking made during the run, or joined with its record (its buyer may now see the listing,
   * if private), at `atUs` (the time it was last in use).
   */
  learnBooking(booking: Booking, atUs?: number): void;
  /** An event of booking `bookingId` was received at `atUs`: a learned booking stays in use. */
  seen(bookingId: string, atUs: number): void;
  /**
   * Forget the bookings learned during the run (never the seeded world's) with no event since
   * `beforeUs` and no run user in their room (`inUse` says); returns those forgotten. A private
   * listing's buyers are kept: forgetting one would make its next listing event a false leak.
   */
  forgetIdle(beforeUs: number, inUse: (bookingId: string) => boolean): string[];
  /** Whether `userId` may write in (is a party of) a booking the harness knows; undefined when it does not know it. */
  isParty(bookingId: string, userId: string): boolean | undefined;
  /** What is wrong with `recipient` receiving `event`, judged only for records the harness knows; undefined when nothing is. */
  judge(recipient: Recipient, event: string, payload: unknown): AuthzFinding | undefined;
  /** Records held (the world, and bookings learned during the run). */
  size(): number;
  /** Bookings learned during the run and held now. */
  learned(): number;
}

/** A learned booking is moved in the least-recently-used order at most this often. */
const PLACE_EVERY_US = 100_000;

interface KnownBooking {
  buyerId: string;
  sellerId: string;
  listingId: string;
}

/**
 * The harness's knowledge of who may receive what, from the world it seeded (and bookings it
 * made during the run): the contract's room rules (docs/contract.md §4) applied to records it
 * created itself. Pure: nothing here trusts what the server answered. Records the harness did not
 * create (a listing made by a script, a booking of another run) are not judged: a leak is only
 * ever reported when the rule and the record are both known.
 */
export function createEntitlements(world?: SeededWorld): Entitlements {
  const listings = new Map<string, Pick<Listing, 'sellerId' | 'private'>>();
  const bookings = new Map<string, KnownBooking>();
  /** Private listing id → buyers with a booking on it. */
  const privateBuyers = new Map<string, Set<string>>();
  const buyers = new Set<string>(world?.buyers ?? []);
  const sellers = new Set<string>(world?.sellers ?? []);
  const admins = new Set<string>(world?.admins ?? []);
  /**
   * Bookings learned during the run → when last in use (`lastUs`) and when last moved to the end
   * (`placedUs`), in the order of placedUs: an event of a booking moves it at most every
   * PLACE_EVERY_US (a move is a Map delete and set, and events come per message), so the order is
   * least recently used first to within that, and lastUs is never earlier than placedUs.
   */
  const learnedAt = new Map<string, { lastUs: number; placedUs: number }>();
  const place = (id: string, atUs: number) => {
    learnedAt.delete(id);
    learnedAt.set(id, { lastUs: atUs, placedUs: atUs });
  };
  let seeding = true;

  const learnBooking = (b: Pick<Booking, 'id' | 'buyerId' | 'sellerId' | 'listingId'>, atUs = 0) => {
    if (typeof b?.id !== 'string' || typeof b.buyerId !== 'string' || typeof b.sellerId !== 'string') return;
    if (!seeding && (learnedAt.has(b.id) || !bookings.has(b.id))) place(b.id, atUs);
    bookings.set(b.id, { buyerId: b.buyerId, sellerId: b.sellerId, listingId: b.listingId });
    if (listings.get(b.listingId)?.private) {
      let set = privateBuyers.get(b.listingId);
      if (!set) privateBuyers.set(b.listingId, (set = new Set()));
      set.add(b.buyerId);
    }
  };
  for (const l of world?.listings ?? []) listings.set(l.id, { sellerId: l.sellerId, private: l.private });
  for (const b of world?.bookings ?? []) learnBooking(b);
  seeding = false;

  const isAdmin = (r: Recipient) => r.role === 'admin';
  const partiesOf = (b: KnownBooking) => `its buyer ${b.buyerId}, its seller ${b.sellerId}`;
  const who = (r: Recipient) => `${r.userId}${r.role ? ` (${r.role})` : ''}`;

  /** The booking room rule: its buyer and seller, and admins. */
  const bookingRoom = (r: Recipient, bookingId: string, event: string): AuthzFinding | undefined => {
    const b = bookings.get(bookingId);
    if (!b || isAdmin(r) || r.userId === b.buyerId || r.userId === b.sellerId) return undefined;
    return {
      kind: 'leak',
      room: `booking:${bookingId}`,
      expected: `${event} of booking ${bookingId} only for ${partiesOf(b)} and admins`,
      observed: `received by ${who(r)}, not entitled to booking:${bookingId}`,
    };
  };
  /** The write rule: parties only (an admin may watch a booking, not write in it). */
  const writer = (bookingId: string, userId: unknown, event: string): AuthzFinding | undefined => {
    const b = bookings.get(bookingId);
    if (!b || typeof userId !== 'string' || userId === b.buyerId || userId === b.sellerId) return undefined;
    return {
      kind: 'write',
      room: `booking:${bookingId}`,
      expected: `${event} in booking ${bookingId} only from ${partiesOf(b)}`,
      observed: `${event} from non-party ${userId}`,
    };
  };

  return {
    learnBooking,
    seen(bookingId, atUs) {
      const at = learnedAt.get(bookingId);
      if (!at) return;
      if (atUs - at.placedUs >= PLACE_EVERY_US) place(bookingId, atUs);
      else if (atUs > at.lastUs) at.lastUs = atUs;
    },
    forgetIdle(beforeUs, inUse) {
      const out: string[] = [];
      for (const [id, at] of learnedAt) {
        // In the order of placedUs, and lastUs >= placedUs: the rest are all in use since.
        if (at.placedUs >= beforeUs) break;
        if (at.lastUs >= beforeUs || inUse(id)) continue;
        learnedAt.delete(id);
        bookings.delete(id);
        out.push(id);
      }
      return out;
    },
    learned: () => learnedAt.size,
    isParty(bookingId, userId) {
      const b = bookings.get(bookingId);
      return b ? b.buyerId === userId || b.sellerId === userId : undefined;
    },
    judge(r, event, payload) {
      const p = payload as Record<string, unknown> | null | undefined;
      if (!p || typeof p !== 'object') return undefined;
      switch (event) {
        case 'message:new':
        case 'typing:start':
        case 'typing:stop':
        case 'read:updated': {
          if (typeof p.bookingId !== 'string') return undefined;
          const author = event === 'message:new' ? p.senderId : event === 'read:updated' ? p.readerId : p.userId;
          return bookingRoom(r, p.bookingId, event) ?? writer(p.bookingId, author, event);
        }
        case 'booking:statusChanged':
          return typeof p.bookingId === 'string' ? bookingRoom(r, p.bookingId, event) : undefined;
        case 'listing:priceChanged':
        case 'listing:availabilityChanged': {
          const id = p.listingId;
          const l = typeof id === 'string' ? listings.get(id) : undefined;
          if (!l || !l.private || isAdmin(r) || r.userId === l.sellerId || privateBuyers.get(id as string)?.has(r.userId)) return undefined;
          return {
            kind: 'leak',
            room: `listing:${id}`,
            expected: `${event} of private listing ${id} only for its owner ${l.sellerId}, buyers with a booking on it and admins`,
            observed: `received by ${who(r)}, not entitled to listing:${id}`,
          };
        }
        case 'presence:changed': {
          // Anyone may watch a known seller; a buyer's or an admin's presence is for admins only.
          const id = p.userId;
          if (typeof id !== 'string' || isAdmin(r) || sellers.has(id) || !(buyers.has(id) || admins.has(id))) return undefined;
          return {
            kind: 'leak',
            room: `presence:${id}`,
            expected: `presence:changed of ${id} (not a seller) only for admins`,
            observed: `received by ${who(r)}`,
          };
        }
        case 'notification': {
          // A notification goes through user:{userId}; about a booking, it is for that booking's
          // seller (and, as a server may choose, its buyer), never for anyone watching the listing.
          const l = typeof p.listingId === 'string' ? listings.get(p.listingId) : undefined;
          const b = typeof p.bookingId === 'string' ? bookings.get(p.bookingId) : undefined;
          const seller = b?.sellerId ?? l?.sellerId;
          const buyer = b?.buyerId ?? (typeof p.buyerId === 'string' ? p.buyerId : undefined);
          if (seller === undefined || r.userId === seller || r.userId === buyer) return undefined;
          return {
            kind: 'leak',
            room: `user:${seller}`,
            expected: `notification ${String(p.type)} about booking ${String(p.bookingId)} only for its seller ${seller}${buyer ? ` (or its buyer ${buyer})` : ''}`,
            observed: `received by ${who(r)}`,
          };
        }
      }
      return undefined;
    },
    size: () => listings.size + bookings.size + buyers.size + sellers.size + admins.size,
  };
}
