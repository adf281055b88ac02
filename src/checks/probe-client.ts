import { io, type Socket } from 'socket.io-client';
import { performOperation } from '../target/operations.ts';
import { operationInput, SOCKET_OPERATIONS, type Target } from '../target/target.ts';
import { readSession } from '../target/operations.ts';
import type { OperationName, TargetUser } from '../target/types.ts';

export interface Received {
  event: string;
  payload: any;
  atMs: number;
}

/**
 * Proof that a socket is still served, built only on what the contract requires: `read:mark`
 * must be acked (docs/contract.md §5) and a payload without ids is answered `bad_request`
 * with no effect (§2). The `presence:heartbeat` ack is optional, so it proves nothing.
 */
export const LIVENESS_PING = { event: 'read:mark', payload: {}, label: 'read:mark {} (its ack is required)' } as const;

export type Answer = { kind: 'ack'; ack: any } | { kind: 'disconnected'; reason: string } | { kind: 'no answer' };

/** A well-formed ack, whatever it says: the server handled the event and answered. */
export const isWellFormedAck = (ack: any): boolean => typeof ack === 'object' && ack !== null && typeof ack.ok === 'boolean';

export interface ProbeConnectOptions {
  auth?: Record<string, unknown>;
  query?: Record<string, string>;
  transports?: ('websocket' | 'polling')[];
  timeoutMs?: number;
  /** Gives up the connect at once when aborted (a check stopped on its timeout, or Ctrl-C). */
  signal?: AbortSignal;
  /** Handshake headers (a session cookie, a token header) for targets whose identity wants them. */
  extraHeaders?: Record<string, string>;
  /**
   * A target of another dialect and the user this probe is: the probe then speaks the contract's
   * words to its checks and the app's on the wire (src/target/): contract emits become the
   * profile's operations, the app's events are read into contract pushes.
   */
  dialect?: { target: Target; user: TargetUser };
}

const ACK_TIMEOUT_MS = 5_000;

/**
 * A connection that records everything it receives, for checks and probes. It does not
 * heartbeat unless told to, so presence checks control exactly what the server sees.
 * `name` (user@connection) is what evidence lines use.
 */
export class ProbeClient {
  readonly name: string;
  readonly socket: Socket;
  readonly received: Received[] = [];
  /** Every answered ack's round trip on this connection: what the target's latency is, measured. */
  readonly roundTripsMs: number[] = [];
  disconnectReason: string | undefined;
  /** Set by close(): waits end at once and acks are not sent, so a stopped check leaves no timer behind. */
  #closed = false;
  /** Pending waits, ended by close(). */
  readonly #pending = new Set<() => void>();

  /** waitFor's listeners, by the event name checks know (the contract's, for a probe with a dialect). */
  readonly #waiting = new Map<string, Set<(payload: any) => void>>();
  readonly #dialect: ProbeConnectOptions['dialect'];

  constructor(name: string, socket: Socket, dialect?: ProbeConnectOptions['dialect']) {
    this.name = name;
    this.socket = socket;
    this.#dialect = dialect;
    if (!dialect) {
      socket.onAny((event: string, payload: unknown) => this.#receive(event, payload));
    } else {
      const { target, user } = dialect;
      socket.onAny((event: string, ...args: unknown[]) => {
        for (const push of target.pushes.read(event, args)) this.#receive(push.event, push.payload);
        const session = readSession(target.profile.session, event, args);
        if (session) this.#receive('session', { userId: user.userId, role: user.role, ...session });
      });
      // An app with no greeting: being connected is its session (checks wait for one).
      const session = target.profile.session;
      if (!session || session === 'none') {
        socket.on('connect', () => this.#receive('session', { userId: user.userId, role: user.role, ...(target.profile.presence ? { presence: target.profile.presence } : {}) }));
      }
    }
    socket.on('disconnect', (reason) => {
      this.disconnectReason = reason;
    });
  }

  #receive(event: string, payload: unknown): void {
    this.received.push({ event, payload, atMs: Date.now() });
    const listeners = this.#waiting.get(event);
    if (listeners) for (const listener of [...listeners]) listener(payload);
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Payloads of one event, in arrival order. */
  all<T = any>(event: string, predicate: (payload: T) => boolean = () => true): T[] {
    return this.received.filter((r) => r.event === event && predicate(r.payload)).map((r) => r.payload as T);
  }

  /** Resolves with the first matching payload (already received or coming), or undefined after timeoutMs or close(). */
  waitFor<T = any>(event: string, predicate: (payload: T) => boolean = () => true, timeoutMs = 3_000): Promise<T | undefined> {
    const already = this.received.find((r) => r.event === event && predicate(r.payload));
    if (already) return Promise.resolve(already.payload as T);
    if (this.#closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      let listeners = this.#waiting.get(event);
      if (!listeners) this.#waiting.set(event, (listeners = new Set()));
      const finish = (payload: T | undefined) => {
        clearTimeout(timer);
        listeners.delete(listener);
        this.#pending.delete(cancel);
        resolve(payload);
      };
      const listener = (payload: T) => {
        if (predicate(payload)) finish(payload);
      };
      const cancel = () => finish(undefined);
      const timer = setTimeout(cancel, timeoutMs);
      this.#pending.add(cancel);
      listeners.add(listener);
    });
  }

  /** Emit with an ack; resolves with the ack, or { ok:false, error:{code:'ack_timeout'} }. */
  async ack<T = any>(event: string, ...args: unknown[]): Promise<T> {
    // On a closed socket the emit would wait in the send buffer for its whole timeout.
    if (this.#closed) return { ok: false, error: { code: 'probe_closed', message: `${this.name} is closed: ${event} not sent` } } as T;
    const sentAtMs = Date.now();
    const dialect = this.#dialect;
    if (dialect && SOCKET_OPERATIONS.has(event)) {
      const op = event as OperationName;
      const mapping = dialect.target.operation(op);
      if (!mapping) return { ok: false, error: { code: 'not_mapped', message: `the target profile maps no ${event}` } } as T;
      const done = await performOperation(mapping, operationInput(op, args, dialect.user), {
        socket: this.socket, user: dialect.user, timeoutMs: ACK_TIMEOUT_MS, url: dialect.target.url, identity: dialect.target.identity,
      });
      if (done.kind === 'timeout') return { ok: false, error: { code: 'ack_timeout', message: `no answer to ${event} (${'event' in mapping ? mapping.event : 'HTTP'})` } } as T;
      if (done.kind === 'answered') this.roundTripsMs.push(Date.now() - sentAtMs);
      return (done.kind === 'answered' ? done.ack : { ok: true }) as T;
    }
    try {
      const answer = (await this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck(event, ...args)) as T;
      this.roundTripsMs.push(Date.now() - sentAtMs);
      return answer;
    } catch {
      return { ok: false, error: { code: 'ack_timeout', message: `no ack for ${event}` } } as T;
    }
  }

  /** Emit with an ack and see what comes first: the answer, a disconnect, or nothing within timeoutMs. */
  emitExpectingAnswer(event: string, payload: unknown, timeoutMs: number): Promise<Answer> {
    if (!this.connected) return Promise.resolve({ kind: 'disconnected', reason: this.disconnectReason ?? 'not connected' });
    return new Promise((resolve) => {
      const onDisconnect = (reason: string) => finish({ kind: 'disconnected', reason });
      const timer = setTimeout(() => finish({ kind: 'no answer' }), timeoutMs);
      const finish = (answer: Answer) => {
        clearTimeout(timer);
        this.socket.off('disconnect', onDisconnect);
        resolve(answer);
      };
      this.socket.once('disconnect', onDisconnect);
      const args = payload === undefined ? [] : [payload];
      const sentAtMs = Date.now();
      this.socket.emit(event, ...args, (ack: unknown) => {
        this.roundTripsMs.push(Date.now() - sentAtMs);
        finish({ kind: 'ack', ack });
      });
    });
  }

  /**
   * Is this socket still served? Sends LIVENESS_PING; the server takes a socket's events in
   * order, so its answer also says every event emitted before it was taken.
   */
  ping(timeoutMs = 5_000): Promise<Answer> {
    const dialect = this.#dialect;
    const mapping = dialect?.target.operation('read:mark');
    // Another dialect: the profile's read:mark, answered the app's way (an ack or a reply event).
    if (mapping && 'event' in mapping && mapping.outcome && !('none' in mapping.outcome)) return this.#pingDialect(timeoutMs);
    return this.emitExpectingAnswer(LIVENESS_PING.event, LIVENESS_PING.payload, timeoutMs);
  }

  #pingDialect(timeoutMs: number): Promise<Answer> {
    if (!this.connected) return Promise.resolve({ kind: 'disconnected', reason: this.disconnectReason ?? 'not connected' });
    return new Promise((resolve) => {
      const onDisconnect = (reason: string) => finish({ kind: 'disconnected', reason });
      const timer = setTimeout(() => finish({ kind: 'no answer' }), timeoutMs);
      let done = false;
      const finish = (answer: Answer) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.socket.off('disconnect', onDisconnect);
        resolve(answer);
      };
      this.socket.once('disconnect', onDisconnect);
      void this.ack(LIVENESS_PING.event, LIVENESS_PING.payload).then((ack: any) => finish(ack?.error?.code === 'ack_timeout' ? { kind: 'no answer' } : { kind: 'ack', ack }));
    });
  }

  emit(event: string, ...args: unknown[]): void {
    const dialect = this.#dialect;
    if (dialect && SOCKET_OPERATIONS.has(event)) {
      const op = event as OperationName;
      const mapping = dialect.target.operation(op);
      if (mapping) void performOperation(mapping, operationInput(op, args, dialect.user), { socket: this.socket, user: dialect.user, timeoutMs: ACK_TIMEOUT_MS, url: dialect.target.url, identity: dialect.target.identity });
      return;
    }
    this.socket.emit(event, ...args);
  }

  /** Resolves once disconnected (or after timeoutMs with false). */
  whenDisconnected(timeoutMs: number): Promise<boolean> {
    if (!this.socket.connected) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = (disconnected: boolean) => {
        clearTimeout(timer);
        this.socket.off('disconnect', onDisconnect);
        this.#pending.delete(cancel);
        resolve(disconnected);
      };
      const onDisconnect = () => finish(true);
      const cancel = () => finish(!this.socket.connected);
      const timer = setTimeout(() => finish(false), timeoutMs);
      this.#pending.add(cancel);
      this.socket.once('disconnect', onDisconnect);
    });
  }

  /** Disconnects and ends every pending wait (a wait's timer would otherwise keep the process alive). */
  close(): void {
    this.#closed = true;
    this.socket.disconnect();
    for (const cancel of [...this.#pending]) cancel();
  }
}

/** Open a probe connection; resolves with the client or rejects with the connect_error. */
export function openProbe(url: string, name: string, options: ProbeConnectOptions = {}): Promise<ProbeClient> {
  const socket = io(url, {
    // forceNew: every probe is its own connection, never multiplexed with another user's
    forceNew: true,
    reconnection: false,
    transports: options.transports ?? ['websocket'],
    auth: options.auth ?? {},
    query: options.query ?? {},
    timeout: options.timeoutMs ?? 5_000,
    ...(options.extraHeaders ? { extraHeaders: options.extraHeaders } : {}),
  });
  const client = new ProbeClient(name, socket, options.dialect);
  const signal = options.signal;
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      socket.off('connect');
      socket.off('connect_error');
      client.close();
      reject(new Error(`connect of ${name} given up: ${describeAbort(signal)}`));
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      signal?.removeEventListener('abort', onAbort);
      socket.off('connect_error');
      resolve(client);
    });
    socket.once('connect_error', (error) => {
      signal?.removeEventListener('abort', onAbort);
      socket.disconnect();
      reject(error);
    });
  });
}

/** An abort reason as words: `the check timed out after 500 ms`. */
export function describeAbort(signal: AbortSignal | undefined): string {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason.message;
  return typeof reason === 'string' ? reason : 'aborted';
}
