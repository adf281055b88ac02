import { io, type Socket } from 'socket.io-client';
import {
  rooms,
  type Ack,
  type AvailabilityChangedPayload,
  type Booking,
  type BookingStatus,
  type MessageNewPayload,
  type PriceChangedPayload,
  type ReadUpdatedPayload,
  type Role,
  type ServerToClientEvents,
  type SessionPayload,
  type StatusChangedPayload,
} from '../contract/index.ts';
import { nowUs, UNSCHEDULED, type IterationTiming } from './clock.ts';
import { BazaarError } from '../errors.ts';
import { callApi, type HttpAnswer, type HttpCall, type HttpMethod, type TokenProvider } from './http.ts';
import { routeOf } from './route.ts';
import { createTagGuards, type TagGuards } from './tag-guard.ts';
import { deliveryStreams } from './delivery-ledger.ts';
import type { DeliveryTracker } from './delivery-tracker.ts';
import type { EventObserver } from './event-observer.ts';
import type { MetricsSink } from './sink.ts';
import { Decoder, Encoder } from './wire-parser.ts';
import type { Target } from '../target/target.ts';
import { DialectSteps } from './dialect-steps.ts';
import { checkClientTransport, type ClientKind, type ClientSocket } from './client-socket.ts';
import { LeanSocket } from './lean-socket.ts';

export type Transport = 'websocket' | 'polling' | 'mixed';
export type Ref = string | { id: string };

/** An ack, or the harness's own verdict when none came in time. */
export type AckResult<T extends object = {}> = Ack<T> | AckMissing;

/** The harness's own verdict when no ack came: none in time, or the user never got a connection. */
export type AckMissing = { ok: false; error: { code: 'ack_timeout' | 'not_connected'; message: string } };

/**
 * What the generic `emitWithAck` resolves to. `ok: true` means an ack came, nothing more: `args`
 * are the server's ack arguments as it sent them, and whether they say yes is the app's language
 * (the script reads them). `ok: false` is the harness's verdict that none came.
 */
export type EmitAckResult<A extends unknown[] = unknown[]> = { ok: true; args: A } | AckMissing;

export interface RequestOptions {
  /** The `http{route}` tag; default `METHOD path` with ids as `:id` (src/client/route.ts). */
  route?: string;
  /** Extra headers, e.g. a CSRF token; the user's token goes as `authorization: Bearer …` unless replaced here. */
  headers?: Record<string, string>;
}

/** Any handler of `on()`: what it returns is ignored (a rejected promise is counted). */
export type EventHandler = (...args: any[]) => unknown;

export interface VirtualUserOptions {
  url: string;
  userId: string;
  role: Role;
  token: TokenProvider;
  transport: Transport;
  /** Which connection the user holds: one real socket.io-client (default) or the lean client (client-socket.ts). */
  client?: ClientKind;
  metrics: MetricsSink;
  /** The run's fan-out deliveries in flight, and the room census they are owed by. */
  deliveries: DeliveryTracker;
  /** Where steps are measured from (its VU's iteration); default: from their actual start. */
  timing?: IterationTiming;
  ackTimeoutMs: number;
  /** Bounds a connect, and an explicit reconnect() (one attempt). */
  connectTimeoutMs: number;
  /** A dropped connection not back within this is a failed reconnect, recorded at it. Default 30 s. */
  reconnectTimeoutMs?: number;
  /** socket.io-client's backoff; absent: the client's defaults (1 s, ×2 up to 5 s, ±50 %). */
  reconnection?: { delayMs: number; delayMaxMs: number; randomizationFactor: number };
  httpTimeoutMs: number;
  /** Source address for this user's connections (spreads clients past one address's ports). */
  localAddress?: string;
  /** The run's end: pending expects resolve (uncounted) instead of timing out; losses after it are not counted. */
  signal?: AbortSignal;
  /**
   * The run's live users: a user is in it from opening a connection until it leaves for good,
   * so the run can close every one at its end without holding every user it ever created.
   */
  live?: Set<VirtualUser>;
  /** Caps on tag values from a script's own names (generic events, routes), shared by a run's users; default: this user's own. */
  tagGuards?: TagGuards;
  /** The run's online checks: every event this user receives, its leaves, its end (src/checks/online-checks.ts). */
  observer?: EventObserver;
  /**
   * How the server speaks, when not the contract (src/target/): the verbs become the profile's
   * operations, the app's events are read into the contract's pushes, credentials come from its
   * identity. Absent (or the contract's profile): the contract's events, as they are.
   */
  target?: Target;
}

export const DEFAULT_RECONNECT_TIMEOUT_MS = 30_000;

const refId = (ref: Ref) => (typeof ref === 'string' ? ref : ref.id);
let clientMsgCounter = 0;
const WIRE_PARSER = { Encoder, Decoder };

/**
 * One simulated user: one real socket.io-client connection (forceNew), its own token, and
 * the contract's steps, each measured. Steps never throw for a server's answer: failures are
 * counted by code and returned, so one bad answer does not end a user's session.
 */
export class VirtualUser {
  readonly userId: string;
  readonly role: Role;
  session: SessionPayload | undefined;
  private readonly options: VirtualUserOptions;
  private socket: ClientSocket | undefined;
  /** Rooms this user is in by an ok ack; created on the first (an idle user holds none: issue 15, memory per user). */
  private joined: Set<string> | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private disconnectedAtUs: number | undefined;
  /** Fires when a dropped connection has not come back within reconnectTimeoutMs. */
  private reconnectWatch: NodeJS.Timeout | undefined;
  /** The rooms joined again after the last reconnection (reconnect() waits for it). */
  private rejoining: Promise<void> | undefined;
  /** Ends a connect() in progress when the user leaves for good. */
  private abandonConnect: (() => void) | undefined;
  private closing = false;
  /** Series per event, looked up once: re-keying a metric on every round trip costs CPU. */
  private ackSeries: Map<string, ReturnType<MetricsSink['latency']>> | undefined;
  /** The one series most users ever use, without a Map (issue 15: memory per user). */
  private lastAckTag: string | undefined;
  private lastAckSeries: ReturnType<MetricsSink['latency']> | undefined;
  /** This user's own tag guards when the run gives none, made on first use. */
  private ownTags: TagGuards | undefined;
  /** on() handlers given before the socket exists: attached when it is created. */
  private readonly pendingHandlers: [event: string, listener: EventHandler][] = [];
  /** The steps of a target of another dialect (never the contract's own profile: that path stays untouched). */
  private readonly dialect: DialectSteps | undefined;
  /** connect() was called at least once (dialect: a socket made by expect() waits for it). */
  private connectStarted = false;

  constructor(options: VirtualUserOptions) {
    this.options = options;
    this.userId = options.userId;
    this.role = options.role;
    this.dialect = options.target && !options.target.contract ? this.dialectSteps(options.target) : undefined;
    if (options.client === 'lean') checkClientTransport('lean', options.transport);
  }

  get connected(): boolean {
    return this.socket?.connected === true;
  }

  /** The socket id of the connection held now (evidence names it); undefined while not connected. */
  get connectionId(): string | undefined {
    return this.socket?.id;
  }

  /** The last connection restored the server's session (connection state recovery). */
  get recovered(): boolean {
    return this.socket?.recovered === true;
  }

  /** Left for good (disconnect()) and not connected again since. */
  get closed(): boolean {
    return this.closing;
  }

  /**
   * Holds nothing a later iteration could need: it never started a connection and has no
   * handler waiting for one (an HTTP-only user). Its VU need not keep it (src/engine/vu.ts).
   */
  get unattached(): boolean {
    return !this.socket && !this.connectStarted && this.pendingHandlers.length === 0;
  }

  /**
   * Connect (if not already) and wait for the handshake; records `connect`. A connect that
   * fails (no handshake within connectTimeoutMs, or a connect_error) is recorded at the connect
   * timeout and counted (`connect_timeouts`, `connect_errors{message}`), never dropped: a server
   * that refuses or stalls handshakes shows in connect's tail instead of vanishing from it.
   */
  async connect(): Promise<boolean> {
    this.closing = false;
    this.connectStarted = true;
    this.options.live?.add(this);
    if (this.socket?.connected) return true;
    if (this.dialect && !this.dialect.hasHandshake) {
      try {
        await this.dialect.obtainHandshake();
      } catch (error) {
        this.options.metrics.counter('connect_errors', { message: 'login' }).add();
        this.options.metrics.counter('errors', { code: 'login_failed', source: 'connect' }).add();
        return false;
      }
    }
    if (this.socket) this.socket.connect();
    else this.socket = this.createSocket();
    const socket = this.socket;
    const startUs = nowUs();
    const fromUs = this.timing.intendedStartUs(startUs);
    const { metrics, connectTimeoutMs } = this.options;
    return new Promise<boolean>((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        socket.off('connect', onConnect);
        socket.off('connect_error', onError);
        if (this.abandonConnect === abandon) this.abandonConnect = undefined;
        resolve(ok);
      };
      const onConnect = () => {
        const endUs = nowUs();
        metrics.latency('connect').record(startUs, endUs, fromUs);
        this.timing.stepEnded(fromUs, startUs, endUs);
        done(true);
      };
      const failed = (message: string) => {
        socket.disconnect();
        // A user who left meanwhile, or a run that ended, lost nothing.
        if (!this.closing && !this.options.signal?.aborted) {
          const endUs = startUs + connectTimeoutMs * 1000;
          metrics.latency('connect').record(startUs, endUs, fromUs);
          this.timing.stepEnded(fromUs, startUs, endUs);
          metrics.counter('connect_errors', { message: boundedMessage(message) }).add();
          // socket.io-client's own open timeout (the same value) says 'timeout' too.
          if (message === 'timeout') metrics.counter('connect_timeouts').add();
        }
        done(false);
      };
      const onError = (error: Error) => failed(error.message);
      const abandon = () => done(false);
      this.abandonConnect = abandon;
      const timer = setTimeout(() => failed('timeout'), connectTimeoutMs);
      socket.once('connect', onConnect);
      socket.once('connect_error', onError);
    });
  }

  /** Leave for good (no reconnection). */
  disconnect(): void {
    this.closing = true;
    this.stopHeartbeat();
    this.stopReconnectWatch();
    this.disconnectedAtUs = undefined;
    if (this.joined) for (const room of this.joined) this.options.deliveries.census.leave(room, this);
    this.joined = undefined;
    this.socket?.disconnect();
    this.abandonConnect?.();
    this.options.live?.delete(this);
    this.options.observer?.closed(this);
  }

  /**
   * Drop the connection and come back, as a flaky network does; records `reconnect`, from the
   * attempt (after the pause) to connected. One attempt: when its connect fails, the reconnect
   * is recorded at the connect timeout and counted in `reconnect_failures`.
   */
  async reconnect(pauseMs = 0): Promise<boolean> {
    if (!this.socket) return this.connect();
    this.socket.disconnect();
    this.stopReconnectWatch();
    if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    // reconnect time counts from the attempt, not from the deliberate pause
    this.disconnectedAtUs = nowUs();
    const ok = await this.connect();
    if (!ok) {
      this.disconnectedAtUs = undefined;
      if (!this.closing && !this.options.signal?.aborted) this.reconnectFailed(this.options.connectTimeoutMs);
      return false;
    }
    await this.rejoining;
    return true;
  }

  watch(listing: Ref): Promise<AckResult> {
    return this.joinRoom('listing:watch', rooms.listing(refId(listing)), refId(listing));
  }
  /** Leave a listing's room; resolves once sent (its ack is optional, docs/contract.md §5). */
  unwatch(listing: Ref): Promise<void> {
    return this.leaveRoom('listing:unwatch', rooms.listing(refId(listing)), refId(listing));
  }
  join(booking: Ref): Promise<AckResult> {
    // Joined with its record, a booking is (again) known to the checks: one they forgot as idle is judged anew.
    if (typeof booking !== 'string') this.options.observer?.booked?.(booking as Booking);
    return this.joinRoom('booking:join', rooms.booking(refId(booking)), refId(booking));
  }
  /** Leave a booking's room; resolves once sent (its ack is optional, docs/contract.md §5). */
  leave(booking: Ref): Promise<void> {
    return this.leaveRoom('booking:leave', rooms.booking(refId(booking)), refId(booking));
  }
  watchPresence(userId: string): Promise<AckResult<{ online: boolean }>> {
    return this.joinRoom('presence:watch', rooms.presence(userId), userId) as Promise<AckResult<{ online: boolean }>>;
  }

  /**
   * message:send with an ack; the message's arrival at every member is measured as `delivery`,
   * matched by its clientMsgId (message:new echoes it). A member in the room from before the send
   * that has not had it within the delivery timeout is counted in `delivery_timeouts`.
   */
  async send(booking: Ref, body: string, clientMsgId?: string): Promise<AckResult<{ message: MessageNewPayload }>> {
    const id = clientMsgId ?? `${this.userId}-${(++clientMsgCounter).toString(36)}`;
    const bookingId = refId(booking);
    const { deliveries } = this.options;
    const key = deliveryStreams.message(id);
    const tracked = deliveries.sent(key, { event: 'message:new', room: rooms.booking(bookingId) }, nowUs());
    const result = await this.contractAck<{ message: MessageNewPayload }>('message:send', { bookingId, body, clientMsgId: id });
    if (tracked) {
      // A caller's own clientMsgId may be a retry, which the contract answers without a delivery:
      // its arrivals are timed, its absence is not judged.
      if (result.ok) deliveries.accepted(key, clientMsgId === undefined, result.message?.seq);
      else deliveries.refused(key);
    }
    if (result.ok && typeof result.message?.id === 'string') this.options.observer?.sent?.(this, result.message, refId(booking));
    return result;
  }

  async typing(booking: Ref, kind: 'start' | 'stop' = 'start'): Promise<void> {
    if (this.dialect) return this.dialect.fire(`typing:${kind}`, { bookingId: refId(booking) });
    if (this.needsConnect()) await this.connect();
    this.socket?.emit(`typing:${kind}`, { bookingId: refId(booking) });
  }

  /**
   * read:mark with an ack. Given the booking itself (not its id), the harness knows the sender:
   * the other party. The first acked mark of a message then owes a `read:updated` to every
   * connection of the sender (its user room, docs/contract.md §6.6), measured as
   * `delivery{event:read:updated}`; one not there within the delivery timeout is counted.
   */
  async read(booking: Ref, messageId: string): Promise<AckResult<{ readAt: number }>> {
    const { deliveries } = this.options;
    const senderId = typeof booking === 'string' ? undefined : otherParty(booking, this.userId);
    const key = deliveryStreams.read(messageId);
    const tracked = senderId !== undefined && deliveries.sent(key, { event: 'read:updated', room: rooms.user(senderId) }, nowUs());
    const result = await this.contractAck<{ readAt: number }>('read:mark', { bookingId: refId(booking), messageId });
    if (tracked) {
      if (result.ok) deliveries.accepted(key, deliveries.firstTime(key, rooms.booking(refId(booking))));
      else deliveries.refused(key);
    }
    if (result.ok && typeof result.readAt === 'number') this.options.observer?.marked?.(this, refId(booking), messageId, result.readAt);
    return result;
  }

  /**
   * Wait for a server push this user's own emit did not cause: a contract event (its payload
   * typed) or any event name of the app's. The predicate sees the event's arguments; the first
   * is what this resolves to. Undefined (and counted in `expect_timeouts{event}`) on timeout.
   */
  expect<E extends keyof ServerToClientEvents>(
    event: E,
    predicate?: (payload: Parameters<ServerToClientEvents[E]>[0]) => boolean,
    withinMs?: number,
  ): Promise<Parameters<ServerToClientEvents[E]>[0] | undefined>;
  expect<T = any>(event: string, predicate?: (payload: T, ...rest: any[]) => boolean, withinMs?: number): Promise<T | undefined>;
  expect(event: string, predicate: (payload: any, ...rest: any[]) => boolean = () => true, withinMs = 5_000): Promise<unknown> {
    if (!this.socket) this.socket = this.createSocket();
    const socket = this.socket;
    const { signal } = this.options;
    if (signal?.aborted) return Promise.resolve(undefined);
    // With a dialect, a contract push's name means the app's event read into it.
    const pushes = this.dialect?.readsPush(event) ? this.dialect : undefined;
    return new Promise((resolve) => {
      const settle = (payload: unknown) => {
        clearTimeout(timer);
        if (pushes) pushes.offPush(event, listener);
        else socket.off(event, listener);
        signal?.removeEventListener('abort', onAbort);
        resolve(payload);
      };
      const listener = (payload: unknown, ...rest: unknown[]) => {
        let matched = false;
        try {
          matched = predicate(payload, ...rest);
        } catch {
          // A foreign payload the predicate did not expect: no match, counted, and the wait goes on.
          this.options.metrics.counter('errors', { code: 'predicate_exception', source: this.tags.event.tag(event) }).add();
        }
        if (matched) settle(payload);
      };
      // The run ended while waiting: an interrupted wait, not a missing event.
      const onAbort = () => settle(undefined);
      const timer = setTimeout(() => {
        this.options.metrics.counter('expect_timeouts', { event: this.tags.event.tag(event) }).add();
        settle(undefined);
      }, withinMs);
      if (pushes) pushes.onPush(event, listener);
      else socket.on(event, listener);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  // ---- Generic steps: any Socket.IO app's events and HTTP routes ----

  /** Send any event, fire and forget (connects on first use); nothing is measured, as for typing(). */
  async emit(event: string, ...args: unknown[]): Promise<void> {
    refuseCallback('emit', event, args);
    if (!this.socket && !this.closing) await this.connect();
    this.socket?.emit(event, ...args);
  }

  /**
   * Send any event and wait for the server's ack, whatever it says: measured as `ack{event}`
   * like the contract's steps (with the stall correction of docs/latency.md). An ack that does
   * not come within the ack timeout is a sample at the timeout, counted in `ack_timeouts{event}`
   * and `errors{code:ack_timeout}`. What the ack says is never counted: the script judges it.
   */
  emitWithAck<A extends unknown[] = any[]>(event: string, ...args: unknown[]): Promise<EmitAckResult<A>> {
    refuseCallback('emitWithAck', event, args);
    if (!this.socket && !this.closing) return this.connect().then(() => this.emitWithAck<A>(event, ...args));
    const socket = this.socket;
    const { metrics, ackTimeoutMs } = this.options;
    const tag = this.tags.event.tag(event);
    if (!socket) {
      metrics.counter('errors', { code: 'not_connected', source: tag }).add();
      return Promise.resolve({ ok: false, error: { code: 'not_connected', message: `${this.userId} never connected` } });
    }
    const series = this.ackSeriesFor(tag);
    const startUs = nowUs();
    const timing = this.timing;
    const fromUs = timing.intendedStartUs(startUs);
    return new Promise((resolve) => {
      socket.timeout(ackTimeoutMs).emit(event, ...args, (error: Error | null, ...answer: unknown[]) => {
        if (error) {
          resolve(this.ackTimedOut(tag, series, timing, startUs, fromUs));
          return;
        }
        const endUs = nowUs();
        series.record(startUs, endUs, fromUs);
        timing.stepEnded(fromUs, startUs, endUs);
        resolve({ ok: true, args: answer as A });
      });
    });
  }

  /**
   * Call any HTTP route of the target as this user (its token as `authorization: Bearer …`),
   * measured as `http{route}`. A refusal is counted as `errors{code:http_STATUS}`, never by what
   * the body says. Never throws for the server's answer.
   */
  request<T = any>(method: HttpMethod | Lowercase<HttpMethod>, path: string, body?: unknown, options: RequestOptions = {}): Promise<HttpAnswer<T>> {
    if (!path.startsWith('/')) {
      throw new BazaarError('BAZAAR_BAD_STEP', `request(${JSON.stringify(method)}, ${JSON.stringify(path)}): the path must start with "/"`,
        'give the path on the target, e.g. request("GET", "/api/conversations"); the target is the run\'s --target');
    }
    const upper = method.toUpperCase() as HttpMethod;
    const call: HttpCall = { method: upper, path, route: this.tags.route.tag(options.route ?? routeOf(upper, path)), errorCodeFrom: 'status' };
    if (body !== undefined) call.body = body;
    if (options.headers) call.headers = options.headers;
    return this.http(call);
  }

  /**
   * Call `handler` on every `event` (any name, the contract's typed) until the returned function
   * is called. Handlers stay through reconnections; one that throws (or rejects) is counted in
   * `errors{code:handler_exception}` and stays subscribed.
   */
  on<E extends keyof ServerToClientEvents>(event: E, handler: ServerToClientEvents[E]): () => void;
  on(event: string, handler: EventHandler): () => void;
  on(event: string, handler: EventHandler): () => void {
    const failed = () => this.options.metrics.counter('errors', { code: 'handler_exception', source: this.tags.event.tag(event) }).add();
    const listener: EventHandler = (...args) => {
      try {
        const returned = handler(...args) as { then?: unknown } | undefined;
        if (typeof returned?.then === 'function') (returned as Promise<unknown>).then(undefined, failed);
      } catch {
        failed();
      }
    };
    // Before the socket exists the handler waits for it: on() never opens a connection itself.
    if (this.socket) this.socket.on(event, listener);
    else this.pendingHandlers.push([event, listener]);
    return () => {
      const pending = this.pendingHandlers.findIndex(([e, l]) => e === event && l === listener);
      if (pending >= 0) this.pendingHandlers.splice(pending, 1);
      this.socket?.off(event, listener);
    };
  }

  // ---- HTTP steps (the contract API as this user) ----

  createListing(title: string, price: number, isPrivate = false): Promise<HttpAnswer> {
    return this.http({ method: 'POST', path: '/api/listings', route: 'POST /api/listings', body: { title, price, private: isPrivate } });
  }
  /** The answer names the listing's new version: `listing:priceChanged` arrivals are timed from this send by it. */
  async changePrice(listing: Ref, price: number): Promise<HttpAnswer> {
    if (this.dialect) return this.dialect.step('listing:changePrice', { listingId: refId(listing), price });
    const id = refId(listing);
    const sentAtUs = nowUs();
    const answer = await this.http({ method: 'PATCH', path: `/api/listings/${encodeURIComponent(id)}`, route: 'PATCH /api/listings/:id', body: { price } });
    if (answer.ok && typeof answer.body?.version === 'number') {
      this.options.deliveries.caused(deliveryStreams.price(id), answer.body.version, { event: 'listing:priceChanged', room: rooms.listing(id) }, sentAtUs);
    }
    return answer;
  }
  /**
   * Only the winning attempt makes the listing unavailable; its answer (the booking) does not
   * carry the listing's version, so it claims the listing's next `available:false` change.
   */
  async book(listing: Ref): Promise<HttpAnswer> {
    if (this.dialect) return this.dialect.step('booking:create', { listingId: refId(listing) });
    const id = refId(listing);
    const sentAtUs = nowUs();
    const answer = await this.http({ method: 'POST', path: '/api/bookings', route: 'POST /api/bookings', body: { listingId: id } });
    if (answer.ok) {
      this.options.deliveries.causedNext(deliveryStreams.availability(id, false), { event: 'listing:availabilityChanged', room: rooms.listing(id) }, sentAtUs);
      this.options.observer?.booked?.(answer.body);
    }
    return answer;
  }
  /** Timed by the booking's new version; a decline or cancel also claims the listing's next `available:true` (docs/contract.md §3). */
  async transition(booking: Ref, to: BookingStatus): Promise<HttpAnswer> {
    if (this.dialect) return this.dialect.step('booking:transition', { bookingId: refId(booking), to });
    const id = refId(booking);
    const sentAtUs = nowUs();
    const answer = await this.http({
      method: 'POST',
      path: `/api/bookings/${encodeURIComponent(id)}/transition`,
      route: 'POST /api/bookings/:id/transition',
      body: { to },
    });
    if (answer.ok) {
      const { deliveries } = this.options;
      if (typeof answer.body?.version === 'number') {
        deliveries.caused(deliveryStreams.status(id), answer.body.version, { event: 'booking:statusChanged', room: rooms.booking(id) }, sentAtUs);
      }
      const listingId = answer.body?.listingId;
      if ((to === 'declined' || to === 'cancelled') && typeof listingId === 'string') {
        deliveries.causedNext(deliveryStreams.availability(listingId, true), { event: 'listing:availabilityChanged', room: rooms.listing(listingId) }, sentAtUs);
      }
    }
    return answer;
  }
  /** A booking's messages; the run's online checks compare them with the read:marks acked before the request. */
  async history(booking: Ref, afterSeq = 0): Promise<HttpAnswer<{ messages: any[] }>> {
    if (this.dialect) return this.dialect.step('booking:history', { bookingId: refId(booking), afterSeq });
    const id = refId(booking);
    const requestedAtUs = nowUs();
    const answer = await this.http({
      method: 'GET',
      path: `/api/bookings/${encodeURIComponent(id)}/messages?after=${afterSeq}`,
      route: 'GET /api/bookings/:id/messages',
    });
    const messages = answer.ok ? answer.body?.messages : undefined;
    if (Array.isArray(messages)) this.options.observer?.history?.(this, id, requestedAtUs, messages);
    return answer;
  }

  async http(call: HttpCall): Promise<HttpAnswer> {
    // The profile's credentials, placed its way (a cookie, a header, the query).
    if (this.dialect) return this.dialect.http(call);
    const token = await this.options.token(this.userId, this.role);
    return callApi(
      { baseUrl: this.options.url, metrics: this.options.metrics, timing: this.timing, timeoutMs: this.options.httpTimeoutMs },
      token,
      call,
    );
  }

  // ---- internals ----

  /** The dialect steps' view of this user: what they measure with and the rooms they put it in. */
  private dialectSteps(target: Target): DialectSteps {
    const user = this;
    const { options } = this;
    return new DialectSteps(target, {
      userId: this.userId,
      role: this.role,
      url: options.url,
      metrics: options.metrics,
      deliveries: options.deliveries,
      observer: options.observer,
      ackTimeoutMs: options.ackTimeoutMs,
      httpTimeoutMs: options.httpTimeoutMs,
      receiver: this,
      // A profile of another dialect runs on socket.io-client only (startRun refuses --client lean with one).
      socket: () => user.socket as unknown as Socket | undefined,
      timing: () => user.timing,
      needsConnect: () => user.needsConnect(),
      connect: () => user.connect(),
      ackSeries: (tag) => user.ackSeriesFor(tag),
      ackTimedOut: (tag, series, timing, startUs, fromUs) => user.ackTimedOut(tag, series, timing, startUs, fromUs),
      joinedRoom: (room) => user.joinedRoom(room),
      greeted: (session) => {
        user.session = session;
      },
    });
  }

  private get timing(): IterationTiming {
    return this.options.timing ?? UNSCHEDULED;
  }

  /**
   * A contract step's acked emit: its ack is the contract's `{ok}`, a refusal counted by its code.
   * `joinsRoom`: the room an ok ack puts this user in (kept here, not in a `.then`: hot path).
   */
  private contractAck<T extends object>(event: string, payload: unknown, joinsRoom?: string): Promise<AckResult<T>> {
    // Steps connect on first use, so a scenario may skip the explicit connect step.
    if (this.dialect) return this.dialect.ack(event, payload, joinsRoom);
    if (!this.socket && !this.closing) return this.connect().then(() => this.contractAck<T>(event, payload, joinsRoom));
    const socket = this.socket;
    const { metrics, ackTimeoutMs } = this.options;
    if (!socket) {
      metrics.counter('errors', { code: 'not_connected', source: event }).add();
      return Promise.resolve({ ok: false, error: { code: 'not_connected', message: `${this.userId} never connected` } });
    }
    const ackSeries = this.ackSeriesFor(event);
    const startUs = nowUs();
    const timing = this.timing;
    const fromUs = timing.intendedStartUs(startUs);
    // One promise around the callback form: this is the hot path of every run (bench/README.md).
    return new Promise((resolve) => {
      socket.timeout(ackTimeoutMs).emit(event, payload, (error: Error | null, response: Ack<T>) => {
        if (!error) {
          const endUs = nowUs();
          ackSeries.record(startUs, endUs, fromUs);
          timing.stepEnded(fromUs, startUs, endUs);
          if (response?.ok === true) {
            if (joinsRoom !== undefined) this.joinedRoom(joinsRoom);
          } else {
            const code = typeof response?.error?.code === 'string' ? response.error.code : 'bad_ack';
            metrics.counter('errors', { code, source: event }).add();
          }
          resolve(response);
          return;
        }
        resolve(this.ackTimedOut(event, ackSeries, timing, startUs, fromUs));
      });
    });
  }

  /** A step connects on first use (dialect: a socket made by expect() is not connected until connect()). */
  private needsConnect(): boolean {
    if (this.closing) return false;
    return !this.socket || (this.dialect !== undefined && !this.connectStarted);
  }

  private ackSeriesFor(tag: string): ReturnType<MetricsSink['latency']> {
    if (tag === this.lastAckTag) return this.lastAckSeries as ReturnType<MetricsSink['latency']>;
    let series = this.ackSeries?.get(tag);
    if (!series) {
      series = this.options.metrics.latency('ack', { event: tag });
      // A second event: from now on every series is kept in the Map (the last one stays cached too).
      if (this.lastAckTag !== undefined) {
        this.ackSeries ??= new Map([[this.lastAckTag, this.lastAckSeries as ReturnType<MetricsSink['latency']>]]);
        this.ackSeries.set(tag, series);
      }
    }
    this.lastAckTag = tag;
    this.lastAckSeries = series;
    return series;
  }

  private get tags(): TagGuards {
    return this.options.tagGuards ?? (this.ownTags ??= createTagGuards());
  }

  /** A lost ack is a sample at the timeout, never a dropped one: the tail stays visible. */
  private ackTimedOut(tag: string, series: ReturnType<MetricsSink['latency']>, timing: IterationTiming, startUs: number, fromUs: number): AckMissing {
    const { metrics, ackTimeoutMs } = this.options;
    const timeoutUs = ackTimeoutMs * 1000;
    series.recordValueUs(timeoutUs + startUs - fromUs, timeoutUs);
    timing.stepEnded(fromUs, startUs, startUs + timeoutUs);
    metrics.counter('ack_timeouts', { event: tag }).add();
    metrics.counter('errors', { code: 'ack_timeout', source: tag }).add();
    return { ok: false, error: { code: 'ack_timeout', message: `no ack for ${tag} within ${ackTimeoutMs} ms` } };
  }

  private joinRoom(event: string, room: string, id: string): Promise<AckResult> {
    return this.contractAck(event, id, room);
  }

  /** A room this user is now in (by an ok ack), in the census from now: deliveries sent from now on are owed to it. */
  private joinedRoom(room: string): void {
    const { census } = this.options.deliveries;
    if (census.since(room, this) !== undefined) return;
    (this.joined ??= new Set()).add(room);
    census.join(room, this, nowUs());
  }

  /**
   * The contract makes a leave's ack optional: a server may leave it unanswered, so the user does
   * not wait for it and its absence is no timeout. An answer that does come is measured as
   * `ack{event}` (from the actual send: nothing waited on it) and a refusal counted in `errors`.
   */
  private async leaveRoom(event: string, room: string, id: string): Promise<void> {
    if (this.joined?.delete(room)) this.options.deliveries.census.leave(room, this);
    this.options.observer?.left(this, room);
    if (this.dialect) return this.dialect.fire(event, id);
    if (!this.socket && !this.closing) await this.connect();
    const socket = this.socket;
    const { metrics, ackTimeoutMs } = this.options;
    if (!socket) {
      metrics.counter('errors', { code: 'not_connected', source: event }).add();
      return;
    }
    const startUs = nowUs();
    // With a timeout, so that an unanswered ack does not stay in socket.io-client's table for ever.
    socket.timeout(ackTimeoutMs).emit(event, id, (error: Error | null, response: Ack) => {
      if (error) return;
      // The series exists only once an answer came: a server that never answers has no such figure.
      this.ackSeriesFor(event).record(startUs, nowUs());
      if (response?.ok !== true) {
        const code = typeof response?.error?.code === 'string' ? response.error.code : 'bad_ack';
        metrics.counter('errors', { code, source: event }).add();
      }
    });
  }

  /** After a reconnect the server has forgotten this socket's rooms: join them again, as an app does. */
  private async rejoin(): Promise<void> {
    const events: Record<string, string> = { listing: 'listing:watch', booking: 'booking:join', presence: 'presence:watch' };
    await Promise.all(
      [...(this.joined ?? [])].map((room) => {
        const colon = room.indexOf(':');
        const event = events[room.slice(0, colon)];
        return event ? this.contractAck(event, room.slice(colon + 1), room) : undefined;
      }),
    );
  }

  /**
   * A dropped connection that socket.io-client's backoff has not brought back within
   * reconnectTimeoutMs is a failed reconnect: recorded at that bound, counted. A later return
   * is not timed again.
   */
  private watchReconnect(): void {
    this.stopReconnectWatch();
    const boundMs = this.options.reconnectTimeoutMs ?? DEFAULT_RECONNECT_TIMEOUT_MS;
    this.reconnectWatch = setTimeout(() => {
      this.reconnectWatch = undefined;
      if (this.closing || this.options.signal?.aborted || this.disconnectedAtUs === undefined) return;
      this.disconnectedAtUs = undefined;
      this.reconnectFailed(boundMs);
    }, boundMs);
    this.reconnectWatch.unref();
  }

  private stopReconnectWatch(): void {
    if (this.reconnectWatch) clearTimeout(this.reconnectWatch);
    this.reconnectWatch = undefined;
  }

  private reconnectFailed(boundMs: number): void {
    this.options.metrics.latency('reconnect').recordValueUs(boundMs * 1000);
    this.options.metrics.counter('reconnect_failures').add();
  }

  private createSocket(): ClientSocket {
    const socket = this.options.client === 'lean' ? this.createLeanSocket() : this.createSocketIoClient();
    // io() connects at once: from here the user may hold a connection.
    this.options.live?.add(this);
    this.listen(socket);
    // Handlers live on the Socket object, which both clients keep across reconnections.
    for (const [event, listener] of this.pendingHandlers.splice(0)) socket.on(event, listener);
    return socket;
  }

  /** Engine.IO / Socket.IO by hand over `ws` (lean-socket.ts), with socket.io-client's defaults. */
  private createLeanSocket(): ClientSocket {
    const { options } = this;
    const socket = new LeanSocket({
      url: options.url,
      auth: (cb) => {
        Promise.resolve(options.token(this.userId, this.role)).then(
          (token) => cb({ token }),
          () => cb({}),
        );
      },
      timeoutMs: options.connectTimeoutMs,
      onUnsupported: () => options.metrics.counter('errors', { code: 'lean_binary_dropped', source: 'lean client' }).add(),
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
    });
    socket.connect();
    return socket;
  }

  private createSocketIoClient(): ClientSocket {
    const { options } = this;
    const transports = options.transport === 'websocket' ? ['websocket'] : options.transport === 'polling' ? ['polling'] : ['polling', 'websocket'];
    // Not before the profile's login: connect() obtains credentials, then opens the connection.
    const dialectOptions = this.dialect?.socketOptions();
    const socket = io(options.url, {
      // forceNew: socket.io-client would otherwise multiplex users onto one cached Manager.
      forceNew: true,
      transports,
      // A fresh token on every (re)connect, as a browser app fetches one.
      auth: (cb: (auth: object) => void) => {
        Promise.resolve(options.token(this.userId, this.role)).then(
          (token) => cb({ token }),
          () => cb({}),
        );
      },
      // Reconnection is left at socket.io-client's defaults, which are a browser's: exponential
      // backoff from 1 s to 5 s with 0.5 jitter. Not spelling them out keeps engine.io-client's
      // per-transport options object small enough to stay a fast V8 object (bench/README.md).
      timeout: options.connectTimeoutMs,
      // socket.io-parser's wire format with a short path for plain events and acks (wire-parser.ts).
      parser: WIRE_PARSER,
      ...(options.reconnection
        ? { reconnectionDelay: options.reconnection.delayMs, reconnectionDelayMax: options.reconnection.delayMaxMs, randomizationFactor: options.reconnection.randomizationFactor }
        : {}),
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      ...dialectOptions,
    } as Parameters<typeof io>[1]);
    return socket as unknown as ClientSocket;
  }

  private listen(socket: ClientSocket): void {
    const { metrics, deliveries } = this.options;
    if (this.dialect) this.dialect.listen(socket as unknown as Socket);
    else socket.on('session', (session: SessionPayload) => {
      this.session = session;
      // A server of another dialect may send a `session` of its own: no heartbeat then, and no throw.
      this.startHeartbeat(session?.presence?.heartbeatMs);
      // The server put this connection in its user room: what goes there (read receipts) is owed to it.
      deliveries.census.join(rooms.user(this.userId), this, nowUs());
    });
    socket.on('disconnect', (reason: string) => {
      metrics.counter('disconnects', { reason }).add();
      this.stopHeartbeat();
      // The server forgets a socket's rooms with its connection: from now on no delivery is
      // owed to it there. `joined` keeps them, to join again after the reconnect.
      if (this.joined) for (const room of this.joined) deliveries.census.leave(room, this);
      deliveries.census.leave(rooms.user(this.userId), this);
      this.options.observer?.dropped?.(this);
      if (this.closing) return;
      this.disconnectedAtUs = nowUs();
      // socket.io-client brings a dropped connection back by itself, except after its own disconnect().
      if (reason !== 'io client disconnect') this.watchReconnect();
      // The server ended the session (e.g. token expiry): come back with a fresh token after a
      // jittered pause. Other reasons reconnect through the client's own backoff.
      if (reason === 'io server disconnect') {
        const delayMs = 500 + Math.random() * 1_000;
        setTimeout(() => {
          if (!this.closing) socket.connect();
        }, delayMs).unref();
      }
    });
    socket.on('connect', () => {
      this.stopReconnectWatch();
      if (this.disconnectedAtUs !== undefined) {
        metrics.latency('reconnect').record(this.disconnectedAtUs, nowUs());
        this.disconnectedAtUs = undefined;
      }
      // Rooms still wanted after a drop (whichever way it came back): join them again.
      if (this.joined && this.joined.size > 0) this.rejoining = this.rejoin();
    });

    if (this.dialect) return;
    // Arrivals are matched to their cause by what the server echoes (delivery-ledger.ts).
    // A payload that is not the contract's (another dialect using the same name) matches no send.
    socket.on('message:new', (m: MessageNewPayload) => deliveries.arrivedKeyed(deliveryStreams.message(m?.clientMsgId), this));
    socket.on('listing:priceChanged', (p: PriceChangedPayload) => deliveries.arrived(deliveryStreams.price(p?.listingId), p?.version, this));
    socket.on('listing:availabilityChanged', (p: AvailabilityChangedPayload) =>
      deliveries.arrived(deliveryStreams.availability(p?.listingId, p?.available), p?.version, this),
    );
    socket.on('booking:statusChanged', (p: StatusChangedPayload) => deliveries.arrived(deliveryStreams.status(p?.bookingId), p?.version, this));
    socket.on('read:updated', (p: ReadUpdatedPayload) => deliveries.arrivedKeyed(deliveryStreams.read(p?.messageId), this));
    // Online checking sees every event, whatever its name (one listener: no per-event cost when off).
    const { observer } = this.options;
    if (observer) socket.onAny((event: string, payload: unknown) => observer.received(this, event, payload));
  }

  private startHeartbeat(intervalMs: number | undefined): void {
    this.stopHeartbeat();
    if (!(typeof intervalMs === 'number' && intervalMs > 0)) return;
    this.heartbeat = setInterval(() => {
      if (!this.socket?.connected) return;
      this.socket.emit('presence:heartbeat');
      this.options.observer?.touched?.(this);
    }, intervalMs);
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }
}

/** A booking's other party (the sender of a message `userId` may mark read); undefined when `userId` is neither. */
function otherParty(booking: { id: string; buyerId?: string; sellerId?: string }, userId: string): string | undefined {
  if (booking.buyerId === userId) return booking.sellerId;
  if (booking.sellerId === userId) return booking.buyerId;
  return undefined;
}

/** A callback as the last argument would make socket.io wait for an ack with no timeout, unmeasured. */
function refuseCallback(step: 'emit' | 'emitWithAck', event: string, args: unknown[]): void {
  if (typeof args[args.length - 1] !== 'function') return;
  throw new BazaarError('BAZAAR_BAD_STEP', `${step}(${JSON.stringify(event)}, …) was given a callback as its last argument`,
    step === 'emit'
      ? 'to wait for the ack, use `await user.emitWithAck(event, ...args)`: it resolves with the ack\'s arguments and measures it'
      : 'emitWithAck resolves with the ack\'s arguments: await it instead of passing a callback');
}

/** connect_error messages become metric tags: keep them short and few. */
function boundedMessage(message: string): string {
  // engine.io-client's transport errors: 'xhr post error' is the CONNECT packet refused (a polling session's POST on another node).
  if (message === 'unauthorized' || message === 'timeout' || message === 'websocket error' || message === 'xhr poll error' || message === 'xhr post error') {
    return message;
  }
  return 'other';
}
