/*
 * Target profiles: how a given server speaks (issue 13 §3, docs/profiles.md).
 *
 * bazaar's scenarios and checks are written in the contract's vocabulary (docs/contract.md):
 * `booking:join`, `message:send`, `message:new`, a booking with a buyer and a seller. A profile
 * maps that vocabulary onto one app's own dialect: its event names and payloads, its replies,
 * its login, its records. The contract's own dialect is simply the default profile
 * (contract-profile.ts): the reference server needs none.
 *
 * A profile is data plus small pure functions (payload builders and extractors), so that it can
 * be written in a `bazaar.target.ts` next to the app and read top to bottom:
 *
 *   export default defineTarget({
 *     name: 'chat',
 *     url: 'http://localhost:3000',
 *     identity: { type: 'login', request: (u) => ({ method: 'POST', path: '/login', body: { user: u.userId } }), cookie: 'sid' },
 *     world: { booking: { request: (b) => ({ method: 'POST', path: '/api/conversations', body: { members: [b.buyerId, b.listing.sellerId] } }), result: (body) => ({ id: body.id }) } },
 *     operations: { 'booking:join': { event: 'conversation:join', outcome: { reply: 'conversation:joined', match: (input, p) => p.id === input.bookingId } } },
 *     pushes: { 'message:new': { event: 'chat:message', read: (m) => ({ bookingId: m.conversationId, senderId: m.from, id: m.id, body: m.text }) } },
 *     capabilities: { ownEcho: true },
 *   });
 */
import type {
  AckOk,
  AvailabilityChangedPayload,
  Booking,
  Listing,
  Message,
  MessageNewPayload,
  NotificationPayload,
  PresenceChangedPayload,
  PriceChangedPayload,
  ReadUpdatedPayload,
  Role,
  SessionPayload,
  StatusChangedPayload,
  TypingPayload,
} from '../contract/index.ts';

// ---------------------------------------------------------------------------------------------
// Users and requests
// ---------------------------------------------------------------------------------------------

/** The user a credential, a record or an operation is for: bazaar's own ids and roles. */
export interface TargetUser {
  userId: string;
  role: Role;
}

/** An HTTP request a profile describes: the path is relative to the target URL. */
export interface TargetRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** e.g. `/api/conversations/${id}`; ids a profile puts in a path are its to encode. */
  path: string;
  /** Sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
}

/** An HTTP answer as a profile's extractors see it. */
export interface TargetResponse {
  status: number;
  /** Parsed JSON, the raw text when it is not JSON, undefined when empty. */
  body: any;
  headers: Headers;
}

/**
 * What a profile's own functions (custom logins, custom world steps) get to talk to the target:
 * `fetch` relative to its URL, with no credentials added, and `as(user)` with that user's.
 */
export interface TargetApi {
  url: string;
  /** A plain request, no credentials added. */
  request(request: TargetRequest): Promise<TargetResponse>;
  /** A request as this user: its credentials placed as the identity's `http` placement says. */
  requestAs(user: TargetUser, request: TargetRequest): Promise<TargetResponse>;
}

// ---------------------------------------------------------------------------------------------
// Identity: how a user gets credentials, and where they go
// ---------------------------------------------------------------------------------------------

/**
 * A user's credentials, as a login produced them. A `token` goes where the placement says;
 * `cookies` always go as a `Cookie` header (on the handshake and on HTTP calls); `headers` are
 * added to both as they are (e.g. a CSRF token).
 */
export interface Credentials {
  token?: string;
  cookies?: Record<string, string>;
  headers?: Record<string, string>;
}

/** Where a token goes on the Socket.IO handshake. Default `{ in: 'auth', name: 'token' }`. */
export type HandshakePlacement =
  | { in: 'auth'; name?: string }
  | { in: 'query'; name?: string }
  | { in: 'header'; name?: string; prefix?: string }
  | { in: 'cookie'; name: string };

/** Where a token goes on HTTP calls. Default `{ in: 'header', name: 'authorization', prefix: 'Bearer ' }`. */
export type HttpPlacement =
  | { in: 'header'; name?: string; prefix?: string }
  | { in: 'query'; name?: string }
  | { in: 'cookie'; name: string };

export interface Placement {
  handshake?: HandshakePlacement;
  http?: HttpPlacement;
}

/**
 * Mint a JWT locally with the app's secret. `claims` names where the user id and role go (the
 * contract's are `sub` and `role`); `extra` claims are added as they are. `role: false` when the
 * app's tokens carry no role. Only an identity of this type lets `auth.*` forge bad tokens.
 */
export interface JwtIdentity {
  type: 'jwt';
  secret: string;
  /** Default 'HS256' (the only one bazaar mints). */
  algorithm?: 'HS256';
  claims?: { userId?: string; role?: string | false; extra?: Record<string, unknown> };
  /** Token lifetime; default 1 h. */
  ttlMs?: number;
  placement?: Placement;
}

/**
 * Log in (or sign up) through the app's own route, once per user, and keep what it returns: a
 * token read from the answer (`token`), a cookie it sets (`cookie`: its name), or both.
 */
export interface LoginIdentity {
  type: 'login';
  request(user: TargetUser): TargetRequest;
  /** Read the token from the answer, e.g. `(res) => res.body.accessToken`. */
  token?(response: TargetResponse): string | undefined;
  /** The name of a cookie the answer sets (Set-Cookie) that is the session. */
  cookie?: string;
  /** A status that is a successful login; default any 2xx. */
  okStatus?: readonly number[];
  placement?: Placement;
}

/**
 * A login of the user's own, for multi-step flows (a session cookie plus a CSRF token read from
 * a page, an OAuth dance): return whatever credentials the app wants.
 */
export interface CustomIdentity {
  type: 'custom';
  login(user: TargetUser, api: TargetApi): Promise<Credentials>;
  placement?: Placement;
}

/**
 * The contract's own: an HS256 token with `sub` and `role` from `--jwt-secret`, or a
 * `--token-module`. Only the default profile uses it.
 */
export interface ContractIdentity {
  type: 'contract';
}

export type IdentityProfile = JwtIdentity | LoginIdentity | CustomIdentity | ContractIdentity;

// ---------------------------------------------------------------------------------------------
// World: creating the app's records
// ---------------------------------------------------------------------------------------------

/** What bazaar asks for when it wants a listing (the app's equivalent: a channel, a product, a topic). */
export interface ListingInput {
  sellerId: string;
  title: string;
  price: number;
  private: boolean;
  /** 0-based, unique within a run: fixtures may pick by it. */
  index: number;
}

/** What bazaar asks for when it wants a booking: the app's equivalent (a conversation, an order) of a buyer with a seller. */
export interface BookingInput {
  buyerId: string;
  listing: Listing;
  index: number;
}

/**
 * One kind of record, made:
 * - through the app's HTTP API as a user (`as`: the seller for listings, the buyer for bookings,
 *   by default), the record read from the answer by `result`; or
 * - by a function of the user's own; or
 * - from fixed fixtures that already exist on the server (`fixed`, taken in turn by index).
 * What `result` or the function returns needs an `id`; missing fields are filled from the input
 * (listing: sellerId, title, price, private; booking: buyerId, sellerId, listingId).
 */
export type WorldStep<I, M> =
  | {
      request(input: I): TargetRequest;
      /** Who makes the request; default: the input's seller (listings) or buyer (bookings). */
      as?(input: I): TargetUser;
      result(response: TargetResponse, input: I): Partial<M> & { id: string };
      okStatus?: readonly number[];
    }
  | { create(input: I, api: TargetApi): Promise<Partial<M> & { id: string }> }
  | { fixed: readonly (Partial<M> & { id: string })[] };

export interface WorldProfile {
  /** Default: no HTTP at all: a listing is only a name (`<sellerId>-l<index>`) the app never sees. */
  listing?: WorldStep<ListingInput, Listing>;
  booking: WorldStep<BookingInput, Booking>;
}

// ---------------------------------------------------------------------------------------------
// Operations: the contract's client → server steps in the app's dialect
// ---------------------------------------------------------------------------------------------

/** The input each operation takes, in the contract's words. */
export interface OperationInputs {
  'listing:watch': { listingId: string };
  'listing:unwatch': { listingId: string };
  'booking:join': { bookingId: string };
  'booking:leave': { bookingId: string };
  /** `senderId`: the user sending; a hostile client may claim another (authz.sender-identity does). */
  'message:send': { bookingId: string; body: string; clientMsgId: string; senderId: string };
  'typing:start': { bookingId: string; userId: string };
  'typing:stop': { bookingId: string; userId: string };
  'read:mark': { bookingId: string; messageId: string };
  'presence:watch': { userId: string };
  'presence:unwatch': { userId: string };
  'presence:heartbeat': {};
  /** HTTP in the contract (PATCH /api/listings/:id). */
  'listing:changePrice': { listingId: string; price: number };
  /** HTTP in the contract (POST /api/bookings). */
  'booking:create': { listingId: string };
  /** HTTP in the contract (POST /api/bookings/:id/transition). */
  'booking:transition': { bookingId: string; to: string };
  /** HTTP in the contract (GET /api/bookings/:id/messages). */
  'booking:history': { bookingId: string; afterSeq: number };
}
export type OperationName = keyof OperationInputs;

/**
 * A message as a profile can tell it: its id, and whichever of the contract's fields the app's
 * answer carries. The order key (`seq`) only when the app has one; a sender or a time an ack does
 * not carry may be left out (the push tells them); `readAt` in history when the app has reads.
 */
export type ProfileMessage = Partial<Message> & { id: string };

/** What a successful operation yields, in the contract's words (the ack's or answer's data). */
export interface OperationResults {
  'message:send': { message: ProfileMessage };
  'read:mark': { readAt: number };
  'presence:watch': { online: boolean };
  'booking:history': { messages: ProfileMessage[] };
}
export type OperationResult<O extends OperationName> = O extends keyof OperationResults ? OperationResults[O] : {};

/**
 * An operation's answer in the contract's shape, as a profile's extractor returns it: `{ ok: true,
 * ...result }`, or a refusal whose code may be the app's own word (it is counted as
 * `errors{code}`; the contract's codes, e.g. `forbidden`, are what checks compare with).
 */
export type ProfileAck<T extends object = {}> = AckOk<T> | { ok: false; error: { code: string; message: string } };

/**
 * Success known by the app's ack: `ack` turns the ack's arguments into the contract's answer,
 * e.g. `(reply) => reply.status === 'sent' ? { ok: true, message: {...} } : { ok: false, error: { code: reply.reason, message: '' } }`.
 */
export interface AckOutcome<O extends OperationName> {
  ack(input: OperationInputs[O], ...args: any[]): ProfileAck<OperationResult<O>>;
}

/**
 * Success known by a reply event: the first `reply` event whose arguments `match` the input
 * answers it (within the ack timeout); `result` reads it (default `{ ok: true }`). `refusal`
 * names an event of the app's that refuses instead (e.g. `error`), matched the same way.
 */
export interface ReplyOutcome<O extends OperationName> {
  reply: string;
  match(input: OperationInputs[O], ...args: any[]): boolean;
  result?(input: OperationInputs[O], ...args: any[]): ProfileAck<OperationResult<O>>;
  refusal?: { event: string; match(input: OperationInputs[O], ...args: any[]): boolean; code?(...args: any[]): string };
}

/** Nothing answers: sent is all bazaar knows; receipt (the pushes) tells the rest. */
export interface NoOutcome {
  none: true;
}

/** An operation sent as a Socket.IO event. `args` builds the event's arguments (default: `[input]`). */
export interface EventOperation<O extends OperationName> {
  event: string;
  args?(input: OperationInputs[O], user: TargetUser): unknown[];
  /** How success is known; default `{ none: true }`. */
  outcome?: AckOutcome<O> | ReplyOutcome<O> | NoOutcome;
}

/**
 * An operation sent as an HTTP request as the user (some apps send chat over HTTP and push over
 * the socket). Success: a status in `okStatus` (default any 2xx); `result` reads the answer.
 */
export interface HttpOperation<O extends OperationName> {
  http(input: OperationInputs[O], user: TargetUser): TargetRequest;
  okStatus?: readonly number[];
  result?(response: TargetResponse, input: OperationInputs[O]): ProfileAck<OperationResult<O>>;
  /** The `http{route}` tag, e.g. 'POST /api/conversations/:id/messages'; default the operation's name. */
  route?: string;
}

export type OperationMapping<O extends OperationName> = EventOperation<O> | HttpOperation<O>;

/** The operations the app has; one it lacks is left out (a step or check that needs it then says so). */
export type OperationsProfile = { [O in OperationName]?: OperationMapping<O> };

// ---------------------------------------------------------------------------------------------
// Pushes: the app's server → client events, read into the contract's payloads
// ---------------------------------------------------------------------------------------------

/** The contract payload each push is read into. */
export interface PushPayloads {
  'message:new': MessageNewPayload;
  'typing:start': TypingPayload;
  'typing:stop': TypingPayload;
  'read:updated': ReadUpdatedPayload;
  'presence:changed': PresenceChangedPayload;
  'listing:priceChanged': PriceChangedPayload;
  'listing:availabilityChanged': AvailabilityChangedPayload;
  'booking:statusChanged': StatusChangedPayload;
  notification: NotificationPayload;
}
export type PushName = keyof PushPayloads;

/**
 * One app event and how to read it. `read` is the extractor: from the event's arguments it
 * returns the contract payload: the room (`bookingId`, `listingId`), the sender (`senderId`,
 * `userId`), the order key (`seq`, left out when the app has none: then claim no `ordering`),
 * the version, the read status, and for messages the `clientMsgId` the sender gave (delivery is
 * timed by it). Return undefined for an event that is not this push (several pushes may share
 * one app event name, told apart by payload).
 */
export interface PushMapping<P extends PushName> {
  event: string;
  read(...args: any[]): Partial<PushPayloads[P]> | undefined;
}

export type PushesProfile = { [P in PushName]?: PushMapping<P> };

/**
 * The app's greeting on connection, read into the contract's `session`; `'none'` when it sends
 * none (then connected is all there is, and presence timing comes from `capabilities`).
 */
export type SessionMapping = { event: string; read(...args: any[]): Partial<SessionPayload> | undefined } | 'none';

// ---------------------------------------------------------------------------------------------
// Capabilities: the guarantees the app claims
// ---------------------------------------------------------------------------------------------

/**
 * What the app claims to guarantee, each a contract section. A check or an online violation
 * kind whose capability is not claimed is `not-applicable` (with the reason), never failed and
 * never counted as passed. The default profile claims all of them.
 */
export const CAPABILITIES = {
  ordering: 'an order key (seq) per booking, strictly increasing (contract §6.1)',
  idempotency: 'a retried send with the same clientMsgId is accepted once (contract §6.3)',
  ownEcho: 'the sender\'s own sockets receive its broadcasts (contract §6.2)',
  history: 'a booking\'s messages can be read back over HTTP (contract §3)',
  presence: 'presence with a TTL and heartbeats (contract §6.5)',
  typing: 'typing indicators relayed to the other party (contract §6.6)',
  typingLimits: 'typing:start rate-limited per user and booking (contract §6.6)',
  reads: 'read receipts (contract §6.4)',
  versions: 'listing and booking events carry strictly increasing versions (contract §6.8)',
  transitions: 'bookings move through the contract\'s status machine (contract §2.3)',
  bookingRaces: 'of concurrent bookings of one listing exactly one wins (contract §6.9)',
  listings: 'listing rooms with public and private listings (contract §4)',
  notifications: 'per-user notification rooms (contract §4)',
  admin: 'an admin may join any booking and watch it (contract §4)',
  jwt: 'HS256 tokens bazaar can mint and forge (auth.* probes bad ones)',
  cookieAuth: 'the handshake is authenticated by a session cookie (security.cswsh.* checks a browser on another site cannot ride it)',
  publicKeyTokens: 'tokens signed with a public-key algorithm (RS256, ES256) whose key the profile gives in security.publicKeyPem (claimed by giving it)',
  logout: 'a logout route, given in security.logout, that ends the credentials it is called with (claimed by giving it)',
  recovery: 'connection-state recovery across a reconnect (contract §6.10)',
  contractWire: 'the contract\'s own event payloads (hostile-payload probes are written for them)',
} as const;
export type Capability = keyof typeof CAPABILITIES;

export type CapabilitiesProfile = { [C in Capability]?: boolean };

/** Presence timing for a profile whose app sends no contract `session` (see SessionMapping). */
export interface PresenceTimingProfile {
  ttlMs: number;
  heartbeatMs: number;
  sweepMs?: number;
}

// ---------------------------------------------------------------------------------------------
// The profile
// ---------------------------------------------------------------------------------------------

/** What a `bazaar.target.ts` default-exports (through `defineTarget`). */
/** What the security.* checks may be told about the app (docs/security.md). */
export interface SecurityProfile {
  /** Namespaces the app opens besides `/`, e.g. ['/admin']: security.namespaces.* tries them besides common names. */
  namespaces?: readonly string[];
  /**
   * The public key (PEM) the app verifies its RS256/ES256 tokens with: security.tokens.algorithm-confusion
   * signs HS256 tokens with it, as an attacker who read it would. Giving it claims `publicKeyTokens`.
   */
  publicKeyPem?: string;
  /**
   * The app's logout, as the user (its credentials added): security.tokens.kept-after-logout holds
   * the credentials it ends to be refused afterwards. Giving it claims `logout`.
   */
  logout?(user: TargetUser): TargetRequest;
}

export interface TargetProfile {
  /** Shown in reports: 'chat app (staging)'. */
  name: string;
  /** The server; used when `--target` is not given. */
  url?: string;
  identity: IdentityProfile;
  world: WorldProfile;
  operations: OperationsProfile;
  pushes: PushesProfile;
  /** Default `'none'`. */
  session?: SessionMapping;
  /** Claimed guarantees; anything left out is not claimed. */
  capabilities?: CapabilitiesProfile;
  presence?: PresenceTimingProfile;
  /**
   * A path that answers 200 while the server is up (checks ask it whether a server survived);
   * default `/healthz`, `false` when there is none (then a fresh connection is the proof).
   */
  healthPath?: string | false;
  /** What the security.* checks may be told about the app. */
  security?: SecurityProfile;
}
