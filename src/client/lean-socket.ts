/* The lean client: one Socket.IO connection to the default namespace, framed by hand over one
 * `ws` WebSocket (lean-protocol.ts), with socket.io-client's behaviour where a scenario can see
 * it (client-socket.ts): the handshake's `auth`, `connect_error` with the server's message and
 * data, acks with ids and timeouts, pings answered and a silent server dropped ('ping timeout'),
 * the same disconnect reasons, emits buffered while disconnected, reconnection with the same
 * backoff and jitter, connection state recovery (`pid`, `offset`, `recovered`).
 *
 * Not spoken: HTTP long-polling, binary attachments (refused on emit, counted and dropped on
 * receipt), namespaces other than `/`, the client-side `retries` queue.
 *
 * Per connection it keeps a few fields and no closures: the WebSocket's listeners and the
 * timers are shared functions that find their socket through the WebSocket (`owner`), and
 * shared sweeps check ping and ack deadlines for all sockets instead of a timer each (issue 15:
 * at most 8 KB per idle connected user, and no timer to arm and clear per acked emit). */
import WebSocket from 'ws';
import { decodeShort } from './wire-parser.ts';
import type { ClientSocket, SocketListener } from './client-socket.ts';
import {
  encodeAckFrame,
  encodeConnectFrame,
  encodeEventFrame,
  engineUrl,
  parseConnectBody,
  parseEngineOpen,
  reconnectDelayMs,
  refuseBinary,
  RESERVED_EMIT_EVENTS,
} from './lean-protocol.ts';

export type LeanAuth = object | ((cb: (data: object) => void) => void);

export interface LeanSocketOptions {
  /** The server, `http(s)://host:port`. */
  url: string;
  auth?: LeanAuth;
  /** Bounds the Engine.IO open, as socket.io-client's `timeout` option (default 20 s). */
  timeoutMs?: number;
  /** Source address for the connection. */
  localAddress?: string;
  /** Extra query parameters of the handshake (socket.io-client's `query`). */
  query?: Record<string, string>;
  /** Extra headers of the WebSocket upgrade request (socket.io-client's `extraHeaders`). */
  extraHeaders?: Record<string, string>;
  /** Called for what the lean client received and does not speak (binary packets), which it drops. */
  onUnsupported?: (what: string) => void;
}

/** socket.io-client's disconnect reasons. */
export type DisconnectReason = 'io server disconnect' | 'io client disconnect' | 'ping timeout' | 'transport close' | 'transport error' | 'parse error';

const ENGINE_CLOSED = 0;
const ENGINE_OPENING = 1;
const ENGINE_OPEN = 2;
type EngineState = typeof ENGINE_CLOSED | typeof ENGINE_OPENING | typeof ENGINE_OPEN;

const CHAR_0 = 48;
const CHAR_1 = 49;
const CHAR_2 = 50;
const CHAR_3 = 51;
const CHAR_4 = 52;
const CHAR_5 = 53;
const CHAR_6 = 54;
const CHAR_SLASH = 47;

const DEFAULT_OPEN_TIMEOUT_MS = 20_000;
/** How often the shared sweep looks for connections whose server stopped pinging. */
const PING_SWEEP_MS = 500;
/**
 * How often the shared sweep looks for acks past their timeout: a timeout is called back at most
 * this late. VirtualUser records a lost ack at its timeout value, so figures do not move; the
 * user's next step starts at most this much later than with socket.io-client's timer per emit.
 */
const ACK_SWEEP_MS = 50;

/**
 * One ack awaited. With a timeout (`deadlineMs` > 0) the callback takes an error first
 * (socket.io-client's `withError`); without one it gets the answer alone and never times out.
 */
interface PendingAck {
  fn: SocketListener;
  deadlineMs: number;
}

interface BufferedEmit {
  frame: string;
  id: number | undefined;
}

/** A listener made by once(): `fn` lets off() find it by the listener given. */
type OnceListener = SocketListener & { fn?: SocketListener };

/** The WebSocket knows its socket, so one listener function serves every connection. */
class LeanWebSocket extends WebSocket {
  declare owner: LeanSocket;
}

/** ws copies its options: one object serves every connection without a source address. */
const WS_OPTIONS = { perMessageDeflate: false } as const;
const engineUrls = new Map<string, string>();

/** Connections whose Engine.IO session is open: the ping sweep's list. */
const open = new Set<LeanSocket>();
let sweep: NodeJS.Timeout | undefined;
/** Connections that may hold acks with a timeout: the ack sweep's list (it drops those that hold none). */
const awaiting = new Set<LeanSocket>();
let ackSweep: NodeJS.Timeout | undefined;

export class LeanSocket implements ClientSocket {
  connected = false;
  id: string | undefined = undefined;
  recovered = false;
  private readonly options: LeanSocketOptions;
  private readonly url: string;
  private ws: LeanWebSocket | undefined = undefined;
  private engine: EngineState = ENGINE_CLOSED;
  /** connect() was called and neither disconnect() nor the server ended it since (socket.io-client's `active`). */
  private active = false;
  private skipReconnect = false;
  private reconnecting = false;
  private attempts = 0;
  private reconnectTimer: NodeJS.Timeout | undefined = undefined;
  private openTimer: NodeJS.Timeout | undefined = undefined;
  /** Closed for this reason by the client itself (ping timeout, parse error), or the transport failed. */
  private closeReason: DisconnectReason | undefined = undefined;
  pingDeadlineMs = 0;
  private pingWindowMs = 0;
  private readonly listeners = new Map<string, SocketListener | SocketListener[]>();
  private anyListeners: SocketListener[] | undefined = undefined;
  private acks: Map<number, PendingAck> | undefined = undefined;
  private ids = 0;
  private nextTimeoutMs: number | undefined = undefined;
  private sendBuffer: BufferedEmit[] | undefined = undefined;
  private receiveBuffer: unknown[][] | undefined = undefined;
  /** Connection state recovery: the session's private id and the last offset seen. */
  private pid: string | undefined = undefined;
  private lastOffset: string | undefined = undefined;

  constructor(options: LeanSocketOptions) {
    this.options = options;
    let url = engineUrls.get(options.url);
    if (url === undefined) engineUrls.set(options.url, (url = engineUrl(options.url)));
    this.url = options.query ? `${url}&${new URLSearchParams(options.query).toString()}` : url;
  }

  // ---- ClientSocket ----

  connect(): this {
    if (this.connected) return this;
    this.active = true;
    if (!this.reconnecting && this.engine === ENGINE_CLOSED) this.openEngine();
    return this;
  }

  disconnect(): this {
    const wasConnected = this.connected;
    if (wasConnected) this.send('41');
    this.destroy();
    if (wasConnected) this.onClose('io client disconnect');
    return this;
  }

  on(event: string, listener: SocketListener): this {
    const current = this.listeners.get(event);
    // Copy on write: a dispatch under way keeps the list it started with.
    if (current === undefined) this.listeners.set(event, listener);
    else this.listeners.set(event, typeof current === 'function' ? [current, listener] : [...current, listener]);
    return this;
  }

  once(event: string, listener: SocketListener): this {
    const once: OnceListener = (...args: unknown[]) => {
      this.off(event, once);
      listener.apply(this, args);
    };
    once.fn = listener;
    return this.on(event, once);
  }

  off(event: string, listener?: SocketListener): this {
    const current = this.listeners.get(event);
    if (current === undefined) return this;
    const matches = (l: OnceListener) => l === listener || l.fn === listener;
    if (listener === undefined || (typeof current === 'function' && matches(current))) {
      this.listeners.delete(event);
    } else if (typeof current !== 'function') {
      const index = current.findIndex(matches);
      if (index < 0) return this;
      const rest = current.filter((_, i) => i !== index);
      this.listeners.set(event, rest.length === 1 ? (rest[0] as SocketListener) : rest);
    }
    return this;
  }

  onAny(listener: (event: string, ...args: any[]) => void): this {
    this.anyListeners = [...(this.anyListeners ?? []), listener];
    return this;
  }

  timeout(ms: number): this {
    this.nextTimeoutMs = ms;
    return this;
  }

  emit(event: string, ...args: any[]): this {
    if (RESERVED_EMIT_EVENTS.has(event)) throw new Error(`"${event}" is a reserved event name`);
    let id: number | undefined;
    if (typeof args[args.length - 1] === 'function') {
      id = this.ids++;
      this.registerAck(id, args.pop() as SocketListener);
    }
    this.nextTimeoutMs = undefined;
    refuseBinary(event, args);
    args.unshift(event);
    const frame = encodeEventFrame(args, id);
    if (this.connected) this.send(frame);
    else (this.sendBuffer ??= []).push({ frame, id });
    return this;
  }

  // ---- the Engine.IO session ----

  private openEngine(): void {
    this.engine = ENGINE_OPENING;
    this.skipReconnect = false;
    this.closeReason = undefined;
    const { localAddress, extraHeaders } = this.options;
    const ws = new LeanWebSocket(
      this.url,
      localAddress || extraHeaders ? { ...WS_OPTIONS, ...(localAddress ? { localAddress } : {}), ...(extraHeaders ? { headers: extraHeaders } : {}) } : WS_OPTIONS,
    );
    ws.owner = this;
    ws.on('message', LeanSocket.onWsMessage);
    ws.on('error', LeanSocket.onWsError);
    ws.on('close', LeanSocket.onWsClose);
    this.ws = ws;
    this.openTimer = setTimeout(LeanSocket.openTimedOut, this.options.timeoutMs ?? DEFAULT_OPEN_TIMEOUT_MS, this, ws);
  }

  private static onWsMessage(this: WebSocket, data: Buffer, isBinary: boolean): void {
    const socket = (this as LeanWebSocket).owner;
    if (socket.ws !== this) return;
    if (isBinary) {
      socket.options.onUnsupported?.('a binary frame');
      return;
    }
    socket.onFrame(data.toString());
  }

  private static onWsError(this: WebSocket, error: Error): void {
    const socket = (this as LeanWebSocket).owner;
    if (socket.ws !== this) return;
    if (socket.engine === ENGINE_OPENING) {
      socket.openFailed(new Error('websocket error', { cause: error }));
      return;
    }
    socket.closeReason ??= 'transport error';
  }

  private static onWsClose(this: WebSocket): void {
    const socket = (this as LeanWebSocket).owner;
    if (socket.ws !== this) return;
    if (socket.engine === ENGINE_OPENING) socket.openFailed(new Error('websocket error'));
    else socket.engineClosed(socket.closeReason ?? 'transport close');
  }

  private static openTimedOut(socket: LeanSocket, ws: LeanWebSocket): void {
    if (socket.ws === ws && socket.engine === ENGINE_OPENING) socket.openFailed(new Error('timeout'));
  }

  private static reconnectNow(socket: LeanSocket): void {
    socket.reconnectTimer = undefined;
    if (socket.skipReconnect) return;
    socket.openEngine();
  }


  private onFrame(text: string): void {
    switch (text.charCodeAt(0)) {
      case CHAR_4:
        this.onPacket(text);
        return;
      case CHAR_2: // ping
        this.pingDeadlineMs = Date.now() + this.pingWindowMs;
        this.send('3');
        return;
      case CHAR_0:
        this.onEngineOpen(text);
        return;
      case CHAR_1: // the server closes the session
        this.closeEngine('transport close');
        return;
      case CHAR_6: // noop
      case CHAR_3: // pong: a v4 server does not ask for one
        return;
      default:
        this.closeEngine('parse error');
    }
  }

  private onEngineOpen(text: string): void {
    const opened = this.engine === ENGINE_OPENING ? parseEngineOpen(text) : undefined;
    if (!opened) {
      this.closeEngine('parse error');
      return;
    }
    clearTimeout(this.openTimer);
    this.openTimer = undefined;
    this.engine = ENGINE_OPEN;
    this.pingWindowMs = opened.pingWindowMs;
    this.pingDeadlineMs = Date.now() + opened.pingWindowMs;
    open.add(this);
    sweep ??= setInterval(sweepPings, PING_SWEEP_MS).unref();
    // socket.io-client's Manager: a reconnection attempt that opened resets the backoff.
    this.reconnecting = false;
    this.attempts = 0;
    if (this.active) this.sendConnect();
  }

  private sendConnect(): void {
    const { auth } = this.options;
    if (typeof auth === 'function') auth((data) => this.sendConnectFrame(data));
    else this.sendConnectFrame(auth);
  }

  private sendConnectFrame(auth: object | undefined): void {
    // As socket.io-client: a session to recover is asked for with its pid and the last offset seen.
    this.send(encodeConnectFrame(this.pid ? { pid: this.pid, offset: this.lastOffset, ...auth } : auth));
  }

  /** Closes the session from this side, with the reason the socket will give. */
  private closeEngine(reason: DisconnectReason): void {
    const ws = this.ws;
    if (!ws) return;
    if (this.engine === ENGINE_OPENING) {
      this.openFailed(new Error(reason));
      return;
    }
    // A server that stopped answering gets no closing handshake to wait for: its descriptor is freed now.
    if (reason === 'ping timeout') ws.terminate();
    else ws.close();
    this.engineClosed(reason);
  }

  /** The Engine.IO session ended (socket.io-client's Manager.onclose). */
  private engineClosed(reason: DisconnectReason): void {
    this.ws = undefined;
    this.engine = ENGINE_CLOSED;
    open.delete(this);
    this.attempts = 0;
    if (this.active) this.onClose(reason);
    if (!this.skipReconnect) this.scheduleReconnect();
  }

  /** No session: the WebSocket failed, was refused, or no OPEN came in time. */
  private openFailed(error: Error): void {
    clearTimeout(this.openTimer);
    this.openTimer = undefined;
    const ws = this.ws;
    this.ws = undefined;
    this.engine = ENGINE_CLOSED;
    ws?.terminate();
    if (!this.connected) this.emitLocal('connect_error', error);
    if (this.reconnecting) {
      this.reconnecting = false;
      this.scheduleReconnect();
    } else if (this.attempts === 0) {
      this.scheduleReconnect();
    }
  }

  private scheduleReconnect(): void {
    if (this.reconnecting || this.skipReconnect) return;
    this.reconnecting = true;
    this.reconnectTimer = setTimeout(LeanSocket.reconnectNow, reconnectDelayMs(this.attempts++, Math.random()), this);
  }

  /** No reconnection from here on, and no session (socket.io-client's destroy(), then the Manager's close). */
  private destroy(): void {
    this.active = false;
    this.skipReconnect = true;
    this.reconnecting = false;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    clearTimeout(this.openTimer);
    this.openTimer = undefined;
    const ws = this.ws;
    this.ws = undefined;
    this.engine = ENGINE_CLOSED;
    this.attempts = 0;
    open.delete(this);
    ws?.close();
  }

  // ---- Socket.IO packets ----

  private onPacket(text: string): void {
    // Packets of another namespace (`4X/nsp,…`) are not this socket's, as in socket.io-client.
    if (text.charCodeAt(2) === CHAR_SLASH) return;
    switch (text.charCodeAt(1)) {
      case CHAR_2:
      case CHAR_3: {
        const packet = decodeShort(text.slice(1));
        if (!packet) {
          this.closeEngine('parse error');
          return;
        }
        if (packet.type === 2) this.onEvent(packet.data as unknown[], packet.id);
        else this.onAck(packet.id as number, packet.data as unknown[]);
        return;
      }
      case CHAR_0: {
        const body = parseConnectBody(text);
        if (typeof body?.sid === 'string') this.onConnect(body.sid, typeof body.pid === 'string' ? body.pid : undefined);
        else this.emitLocal('connect_error', new Error('It seems you are trying to reach a Socket.IO server in v2.x with a v3.x client, but they are not compatible'));
        return;
      }
      case CHAR_1:
        this.destroy();
        this.onClose('io server disconnect');
        return;
      case CHAR_4: {
        const body = parseConnectBody(text);
        this.destroy();
        const error = new Error(typeof body?.message === 'string' ? body.message : text.slice(2)) as Error & { data?: unknown };
        error.data = body?.data;
        this.emitLocal('connect_error', error);
        return;
      }
      case CHAR_5:
      case CHAR_6:
        this.options.onUnsupported?.('a binary packet');
        return;
      default:
        this.closeEngine('parse error');
    }
  }

  private onConnect(sid: string, pid: string | undefined): void {
    this.id = sid;
    this.recovered = pid !== undefined && this.pid === pid;
    this.pid = pid;
    this.connected = true;
    const received = this.receiveBuffer;
    this.receiveBuffer = undefined;
    if (received) for (const args of received) this.dispatch(args);
    const buffered = this.sendBuffer;
    this.sendBuffer = undefined;
    if (buffered) for (const emit of buffered) this.send(emit.frame);
    this.emitLocal('connect');
  }

  /** socket.io-client's Socket.onclose: the reason, then every ack that was sent fails. */
  private onClose(reason: DisconnectReason): void {
    this.connected = false;
    this.id = undefined;
    this.emitLocal('disconnect', reason);
    const acks = this.acks;
    if (!acks) return;
    for (const [id, ack] of acks) {
      if (this.sendBuffer?.some((emit) => emit.id === id)) continue;
      acks.delete(id);
      if (ack.deadlineMs > 0) ack.fn.call(this, new Error('socket has been disconnected'));
    }
  }

  private onEvent(args: unknown[], id: number | undefined): void {
    if (id !== undefined) args.push(this.ackFor(id));
    if (this.connected) this.dispatch(args);
    else (this.receiveBuffer ??= []).push(args);
  }

  private onAck(id: number, data: unknown[]): void {
    const ack = this.acks?.get(id);
    if (!ack) return;
    this.acks?.delete(id);
    if (ack.deadlineMs > 0) data.unshift(null);
    ack.fn.apply(this, data);
  }

  private registerAck(id: number, fn: SocketListener): void {
    const timeoutMs = this.nextTimeoutMs;
    (this.acks ??= new Map()).set(id, { fn, deadlineMs: timeoutMs === undefined ? 0 : Date.now() + Math.max(1, timeoutMs) });
    if (timeoutMs === undefined) return;
    awaiting.add(this);
    ackSweep ??= setInterval(sweepAcks, ACK_SWEEP_MS).unref();
  }

  /** Calls back every ack past its timeout; false when none with a timeout is left (the sweep drops this socket). */
  sweepAcks(nowMs: number): boolean {
    const acks = this.acks;
    if (!acks) return false;
    let timed = false;
    for (const [id, ack] of acks) {
      if (ack.deadlineMs === 0) continue;
      if (ack.deadlineMs > nowMs) {
        timed = true;
        continue;
      }
      acks.delete(id);
      const buffered = this.sendBuffer?.findIndex((emit) => emit.id === id) ?? -1;
      if (buffered >= 0) this.sendBuffer?.splice(buffered, 1);
      ack.fn.call(this, new Error('operation has timed out'));
    }
    return timed;
  }

  /** The callback a server's EVENT with an ack id gets: answers once. */
  private ackFor(id: number): SocketListener {
    let sent = false;
    return (...data: unknown[]) => {
      if (sent) return;
      sent = true;
      this.send(encodeAckFrame(id, data));
    };
  }

  private dispatch(args: unknown[]): void {
    const any = this.anyListeners;
    if (any) for (const listener of any) listener.apply(this, args);
    const listeners = this.listeners.get(args[0] as string);
    if (listeners !== undefined) {
      if (typeof listeners === 'function') {
        if (args.length === 2) listeners.call(this, args[1]);
        else listeners.apply(this, args.slice(1));
      } else {
        const rest = args.slice(1);
        for (const listener of listeners) listener.apply(this, rest);
      }
    }
    // Connection state recovery: a kept event's last argument is its offset (socket.io-client's rule).
    if (this.pid && args.length > 1 && typeof args[args.length - 1] === 'string') this.lastOffset = args[args.length - 1] as string;
  }

  /** Reserved events (connect, connect_error, disconnect): to their listeners, never to onAny. */
  private emitLocal(event: string, arg?: unknown): void {
    const listeners = this.listeners.get(event);
    if (listeners === undefined) return;
    if (typeof listeners === 'function') listeners.call(this, arg);
    else for (const listener of listeners) listener.call(this, arg);
  }

  private send(frame: string): void {
    const ws = this.ws;
    if (ws !== undefined && ws.readyState === 1) ws.send(frame);
  }

  /** Called by the shared sweep: the server stopped pinging (engine.io-client's 'ping timeout'). */
  pingTimedOut(): void {
    this.closeEngine('ping timeout');
  }
}

function sweepAcks(): void {
  const now = Date.now();
  for (const socket of awaiting) if (!socket.sweepAcks(now)) awaiting.delete(socket);
  if (awaiting.size === 0 && ackSweep) {
    clearInterval(ackSweep);
    ackSweep = undefined;
  }
}

function sweepPings(): void {
  const now = Date.now();
  for (const socket of open) if (now > socket.pingDeadlineMs) socket.pingTimedOut();
  if (open.size === 0 && sweep) {
    clearInterval(sweep);
    sweep = undefined;
  }
}
