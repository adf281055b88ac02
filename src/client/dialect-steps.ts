import type { Socket } from 'socket.io-client';
import { rooms, type Role, type SessionPayload } from '../contract/index.ts';
import type { IterationTiming } from './clock.ts';
import { nowUs } from './clock.ts';
import { callApi, type HttpAnswer, type HttpCall } from './http.ts';
import { deliveryStreams } from './delivery-ledger.ts';
import type { DeliveryTracker } from './delivery-tracker.ts';
import type { EventObserver, ObservedReceiver } from './event-observer.ts';
import type { MetricsSink } from './sink.ts';
import { performOperation, readSession } from '../target/operations.ts';
import { operationInput, type Target } from '../target/target.ts';
import type { HandshakeCredentials } from '../target/identity.ts';
import type { OperationName, PushName } from '../target/types.ts';
import type { AckMissing } from './virtual-user.ts';

type Series = ReturnType<MetricsSink['latency']>;

/**
 * What the dialect steps need of their VirtualUser: its identity, its run's sinks, its socket,
 * and the measuring and room bookkeeping it shares with the contract's steps.
 */
export interface DialectHost {
  readonly userId: string;
  readonly role: Role;
  readonly url: string;
  readonly metrics: MetricsSink;
  readonly deliveries: DeliveryTracker;
  readonly observer: EventObserver | undefined;
  /** The user itself, as the delivery tracker and the online checks know it. */
  readonly receiver: ObservedReceiver;
  readonly ackTimeoutMs: number;
  readonly httpTimeoutMs: number;
  socket(): Socket | undefined;
  timing(): IterationTiming;
  /** A step connects on first use (a socket made by expect() is not connected until connect()). */
  needsConnect(): boolean;
  connect(): Promise<boolean>;
  ackSeries(tag: string): Series;
  ackTimedOut(tag: string, series: Series, timing: IterationTiming, startUs: number, fromUs: number): AckMissing;
  /** A room this user is now in (by an ok answer): deliveries sent from now on are owed to it. */
  joinedRoom(room: string): void;
  /** The app's greeting, read as the contract's session. */
  greeted(session: SessionPayload): void;
}

/**
 * A VirtualUser's steps when the server speaks another dialect (src/target/): the contract's
 * verbs carried out as the profile's operations, the app's events read into the contract's
 * pushes, credentials from the profile's identity placed its way. The contract's own profile
 * never comes here: that path stays in virtual-user.ts, untouched.
 */
export class DialectSteps {
  readonly target: Target;
  private readonly host: DialectHost;
  /** Contract pushes read from the app's events, for expect(). */
  private readonly pushListeners = new Map<string, Set<(payload: any) => void>>();
  /** The profile's handshake credentials, once obtained. */
  private handshake: HandshakeCredentials | undefined;

  constructor(target: Target, host: DialectHost) {
    this.target = target;
    this.host = host;
  }

  private get user() {
    return { userId: this.host.userId, role: this.host.role };
  }

  /** Credentials are obtained (the login done) before the first connection. */
  get hasHandshake(): boolean {
    return this.handshake !== undefined;
  }

  /** The profile's credentials for this user, put on the socket's handshake (now, and for every reconnection). */
  async obtainHandshake(): Promise<void> {
    const { identity } = this.target;
    this.handshake = identity.handshake(await identity.credentials(this.user));
    const socket = this.host.socket();
    if (socket) this.applyHandshake(socket);
  }

  private applyHandshake(socket: Socket): void {
    const handshake = this.handshake!;
    socket.auth = handshake.auth;
    const opts = socket.io.opts as { query?: Record<string, string>; extraHeaders?: Record<string, string> };
    opts.query = { ...opts.query, ...handshake.query };
    opts.extraHeaders = { ...opts.extraHeaders, ...handshake.extraHeaders };
  }

  /** io() options: not before the profile's login (connect() obtains credentials, then opens the connection). */
  socketOptions(): Record<string, unknown> {
    const handshake = this.handshake;
    return {
      autoConnect: handshake !== undefined,
      ...(handshake ? { auth: handshake.auth, query: handshake.query, extraHeaders: handshake.extraHeaders } : {}),
    };
  }

  /** Whether expect(event) means a contract push read from the app's events (else the app's own event name). */
  readsPush(event: string): boolean {
    return this.target.profile.pushes[event as PushName] !== undefined;
  }

  onPush(event: string, listener: (payload: any) => void): void {
    let listeners = this.pushListeners.get(event);
    if (!listeners) this.pushListeners.set(event, (listeners = new Set()));
    listeners.add(listener);
  }

  offPush(event: string, listener: (payload: any) => void): void {
    this.pushListeners.get(event)?.delete(listener);
  }

  /**
   * The app's events read into the contract's pushes (src/target/operations.ts): they feed the
   * delivery tracker, the online checks and expect(), under the contract's names. The app's own
   * event names stay available to on() and expect() as they are.
   */
  listen(socket: Socket): void {
    const { target, host } = this;
    const { deliveries, observer, receiver } = host;
    const session = target.profile.session;
    // Receipts go to every connection of the sender (the contract's user room): once greeted
    // (or, for an app with no greeting, once connected) this connection is owed them. The
    // VirtualUser's disconnect handler takes it out again.
    const owedReceipts = target.profile.pushes['read:updated'] !== undefined;
    const inUserRoom = () => {
      if (owedReceipts) deliveries.census.join(rooms.user(host.userId), receiver, nowUs());
    };
    if (!session || session === 'none') socket.on('connect', inUserRoom);
    socket.onAny((event: string, ...args: unknown[]) => {
      const read = readSession(session, event, args);
      if (read) {
        host.greeted({ userId: host.userId, role: host.role, ...read } as SessionPayload);
        inUserRoom();
      }
      for (const push of target.pushes.read(event, args)) {
        const p = push.payload as Record<string, any>;
        switch (push.event) {
          case 'message:new':
            deliveries.arrivedKeyed(deliveryStreams.message(p.clientMsgId), receiver);
            break;
          case 'listing:priceChanged':
            deliveries.arrived(deliveryStreams.price(p.listingId), p.version, receiver);
            break;
          case 'listing:availabilityChanged':
            deliveries.arrived(deliveryStreams.availability(p.listingId, p.available), p.version, receiver);
            break;
          case 'booking:statusChanged':
            deliveries.arrived(deliveryStreams.status(p.bookingId), p.version, receiver);
            break;
          case 'read:updated':
            deliveries.arrivedKeyed(deliveryStreams.read(p.messageId), receiver);
            break;
        }
        observer?.received(receiver, push.event, p);
        const listeners = this.pushListeners.get(push.event);
        if (listeners) for (const listener of [...listeners]) listener(p);
      }
    });
  }

  /**
   * A contract step the profile's way: measured as `ack{event}` under the contract's name (so
   * thresholds read the same on any dialect) when the profile knows its answer (an ack, a reply
   * event, an HTTP status); a step the app answers nothing to resolves ok once sent, unmeasured.
   */
  async ack(event: string, payload: unknown, joinsRoom?: string): Promise<any> {
    const { target, host } = this;
    if (host.needsConnect()) await host.connect();
    const { metrics, ackTimeoutMs } = host;
    const mapping = target.operation(event as OperationName);
    if (!mapping) {
      metrics.counter('errors', { code: 'not_mapped', source: event }).add();
      return { ok: false, error: { code: 'not_mapped', message: `the target profile "${target.profile.name}" maps no ${event}` } };
    }
    const socket = host.socket();
    if (!socket) {
      metrics.counter('errors', { code: 'not_connected', source: event }).add();
      return { ok: false, error: { code: 'not_connected', message: `${host.userId} never connected` } };
    }
    const user = this.user;
    const series = host.ackSeries(event);
    const startUs = nowUs();
    const timing = host.timing();
    const fromUs = timing.intendedStartUs(startUs);
    const done = await performOperation(mapping, operationInput(event as OperationName, [payload], user), { socket, user, timeoutMs: ackTimeoutMs, url: target.url, identity: target.identity });
    if (done.kind === 'timeout') return host.ackTimedOut(event, series, timing, startUs, fromUs);
    if (done.kind === 'sent') {
      if (joinsRoom !== undefined) host.joinedRoom(joinsRoom);
      return { ok: true };
    }
    const endUs = nowUs();
    series.record(startUs, endUs, fromUs);
    timing.stepEnded(fromUs, startUs, endUs);
    if (done.ack.ok) {
      if (joinsRoom !== undefined) host.joinedRoom(joinsRoom);
    } else {
      const code = typeof done.ack.error?.code === 'string' ? done.ack.error.code : 'bad_ack';
      metrics.counter('errors', { code, source: event }).add();
    }
    return done.ack;
  }

  /** A step whose answer nobody waits for (typing, leaving): sent the profile's way, or counted as not mapped. */
  async fire(event: string, payload: unknown): Promise<void> {
    const { target, host } = this;
    if (host.needsConnect()) await host.connect();
    const mapping = target.operation(event as OperationName);
    if (!mapping) {
      host.metrics.counter('errors', { code: 'not_mapped', source: event }).add();
      return;
    }
    const user = this.user;
    void performOperation(mapping, operationInput(event as OperationName, [payload], user), { socket: host.socket(), user, timeoutMs: host.ackTimeoutMs, url: target.url, identity: target.identity });
  }

  /**
   * The contract's HTTP steps (price, booking, transition, history) the profile's way, as an
   * HTTP-shaped answer: 200 with the contract's answer when it says ok, else 400 (0 when none
   * came), measured as `http{route}` under the operation's route.
   */
  async step(name: OperationName, input: Record<string, unknown>): Promise<HttpAnswer> {
    const { target, host } = this;
    const { metrics } = host;
    const mapping = target.operation(name);
    if (!mapping) {
      metrics.counter('errors', { code: 'not_mapped', source: name }).add();
      return { status: 0, body: undefined, ok: false };
    }
    if ('event' in mapping && host.needsConnect()) await host.connect();
    const user = this.user;
    const route = 'http' in mapping ? (mapping.route ?? name) : name;
    const series = metrics.latency('http', { route });
    const startUs = nowUs();
    const timing = host.timing();
    const fromUs = timing.intendedStartUs(startUs);
    const done = await performOperation(mapping, input as never, { socket: host.socket(), user, timeoutMs: host.httpTimeoutMs, url: target.url, identity: target.identity });
    if (done.kind === 'timeout') {
      metrics.counter('errors', { code: 'http_timeout', source: route }).add();
      return { status: 0, body: undefined, ok: false };
    }
    const endUs = nowUs();
    series.record(startUs, endUs, fromUs);
    timing.stepEnded(fromUs, startUs, endUs);
    const ack = done.kind === 'answered' ? done.ack : { ok: true };
    if (!ack.ok) metrics.counter('errors', { code: typeof (ack as any).error?.code === 'string' ? (ack as any).error.code : 'refused', source: route }).add();
    return { status: ack.ok ? 200 : 400, body: ack, ok: ack.ok };
  }

  /** Any HTTP call as this user, the profile's credentials placed its way (a cookie, a header, the query). */
  async http(call: HttpCall): Promise<HttpAnswer> {
    const { host } = this;
    let placed: { headers: Record<string, string>; query: Record<string, string> } = { headers: {}, query: {} };
    try {
      placed = this.target.identity.http(await this.target.identity.credentials(this.user));
    } catch {
      host.metrics.counter('errors', { code: 'login_failed', source: call.route }).add();
    }
    const query = new URLSearchParams(placed.query).toString();
    const path = query ? `${call.path}${call.path.includes('?') ? '&' : '?'}${query}` : call.path;
    return callApi(
      { baseUrl: host.url, metrics: host.metrics, timing: host.timing(), timeoutMs: host.httpTimeoutMs },
      undefined,
      { ...call, path, headers: { ...placed.headers, ...call.headers } },
    );
  }
}
