/* A Socket.IO connection spoken by hand over one WebSocket, frame by frame, for checks that must
 * see what a server writes rather than what a client library shows (socket.io-client hides
 * events that arrive before a refused CONNECT behind `connect_error`).
 *
 * Engine.IO v4 over WebSocket: the server opens with `0{"sid",...}`, pings with `2` (answered
 * `3`); every Socket.IO packet rides in a message frame `4`: `40{auth}` CONNECT, `40{"sid","pid"}`
 * its answer, `44{"message"}` CONNECT_ERROR, `42[...]` EVENT, `42N[...]`/`43N[...]` with an ack id.
 * https://socket.io/docs/v4/socket-io-protocol/ and https://socket.io/docs/v4/engine-io-protocol/
 *
 * Node's global WebSocket (Node 22 and later): no dependency beyond the runtime. */
import { engineUrl } from '../../client/lean-protocol.ts';

export interface RawFrame {
  /** The text frame as received, e.g. `42["message:new",{...},"1-0"]`; binary frames as `<binary N bytes>`. */
  data: string;
  atMs: number;
}

export type ConnectAnswer =
  | { kind: 'connected'; sid: string; pid: string | undefined; frame: string }
  | { kind: 'refused'; message: string; frame: string }
  | { kind: 'no answer' };

export interface RawEvent {
  event: string;
  args: unknown[];
  frame: string;
}

const OPEN_TIMEOUT_MS = 5_000;

/** `http://host:port` → `ws://host:port/socket.io/?EIO=4&transport=websocket` (shared with the lean client). */
export { engineUrl };

/** A Socket.IO EVENT frame (`42`, optional ack id, JSON array), or undefined for anything else. */
export function parseEventFrame(frame: string): RawEvent | undefined {
  if (!frame.startsWith('42')) return undefined;
  let i = 2;
  while (i < frame.length && frame.charCodeAt(i) >= 48 && frame.charCodeAt(i) <= 57) i++;
  try {
    const data: unknown = JSON.parse(frame.slice(i));
    if (!Array.isArray(data) || typeof data[0] !== 'string') return undefined;
    return { event: data[0], args: data.slice(1), frame };
  } catch {
    return undefined;
  }
}

/**
 * The offset a connection-state-recovery server appends to every event it keeps (the last
 * argument, a string), as socket.io-client reads it; undefined when there is none.
 */
export function offsetOf(event: RawEvent, payloadArgs: number): string | undefined {
  const last = event.args[payloadArgs];
  return event.args.length === payloadArgs + 1 && typeof last === 'string' ? last : undefined;
}

export class RawSocket {
  readonly name: string;
  /** Every frame the server wrote, in order, from the Engine.IO open on. */
  readonly frames: RawFrame[] = [];
  private readonly ws: WebSocket;
  private readonly waiters = new Set<() => void>();
  private nextAckId = 1;
  private closed = false;

  constructor(name: string, ws: WebSocket) {
    this.name = name;
    this.ws = ws;
    ws.binaryType = 'arraybuffer';
    ws.addEventListener('message', (message) => {
      const data = typeof message.data === 'string' ? message.data : `<binary ${(message.data as ArrayBuffer).byteLength} bytes>`;
      // Pings are answered, not recorded: they say nothing about what the server handed out.
      if (data === '2') {
        this.sendFrame('3');
        return;
      }
      this.frames.push({ data, atMs: Date.now() });
      for (const wake of [...this.waiters]) wake();
    });
    ws.addEventListener('close', () => {
      this.closed = true;
      for (const wake of [...this.waiters]) wake();
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Socket.IO EVENT frames received so far, decoded. */
  events(): RawEvent[] {
    const events: RawEvent[] = [];
    for (const frame of this.frames) {
      const event = parseEventFrame(frame.data);
      if (event) events.push(event);
    }
    return events;
  }

  /** Resolves with the first index ≥ from whose frame matches, or -1 after timeoutMs (or on close). */
  waitForFrame(predicate: (data: string) => boolean, from: number, timeoutMs: number): Promise<number> {
    return new Promise((resolve) => {
      const look = () => {
        for (let i = from; i < this.frames.length; i++) {
          if (predicate((this.frames[i] as RawFrame).data)) return i;
        }
        return -1;
      };
      const found = look();
      if (found >= 0 || this.closed) return resolve(found);
      const wake = () => {
        const index = look();
        if (index < 0 && !this.closed) return;
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve(index);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(wake);
        resolve(-1);
      }, timeoutMs);
      this.waiters.add(wake);
    });
  }

  /**
   * Sends a CONNECT to a namespace (default the main one, `/`) and reads the server's answer.
   * Another namespace rides the same connection: `40/admin,{auth}`, answered `40/admin,{...}` or `44/admin,{...}`.
   */
  async connect(auth: Record<string, unknown>, timeoutMs: number, namespace = '/'): Promise<ConnectAnswer> {
    const from = this.frames.length;
    const nsp = namespace === '/' ? '' : `${namespace},`;
    this.sendFrame(`40${nsp}${JSON.stringify(auth)}`);
    const answers = (d: string) => (d.startsWith(`40${nsp}`) || d.startsWith(`44${nsp}`)) && (nsp !== '' || !d.startsWith('40/') && !d.startsWith('44/'));
    const index = await this.waitForFrame(answers, from, timeoutMs);
    if (index < 0) return { kind: 'no answer' };
    const frame = (this.frames[index] as RawFrame).data;
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(frame.slice(2 + nsp.length) || '{}') as Record<string, unknown>;
    } catch {
      // an answer that is not JSON is still an answer; its fields are simply absent
    }
    if (frame.startsWith('40')) {
      return { kind: 'connected', sid: String(body.sid), pid: typeof body.pid === 'string' ? body.pid : undefined, frame };
    }
    return { kind: 'refused', message: typeof body.message === 'string' ? body.message : frame, frame };
  }

  /** Emits an event with an ack; resolves with the ack's arguments, or undefined after timeoutMs. */
  async emitWithAck(event: string, args: unknown[], timeoutMs: number): Promise<unknown[] | undefined> {
    const id = this.nextAckId++;
    const from = this.frames.length;
    this.sendFrame(`42${id}${JSON.stringify([event, ...args])}`);
    const index = await this.waitForFrame((d) => d.startsWith(`43${id}[`), from, timeoutMs);
    if (index < 0) return undefined;
    try {
      return JSON.parse((this.frames[index] as RawFrame).data.slice(2 + String(id).length)) as unknown[];
    } catch {
      return undefined;
    }
  }

  /**
   * Ends the connection without a Socket.IO DISCONNECT, as a network drop does: the server sees
   * "transport close", which connection state recovery keeps the session for.
   * Resolves once the WebSocket is closed.
   */
  drop(timeoutMs = OPEN_TIMEOUT_MS): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.ws.addEventListener('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.ws.close();
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ws.close();
  }

  /** Sends one WebSocket message as it is: an Engine.IO packet (`4...`) or a binary attachment. */
  send(frame: string | Uint8Array): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(frame);
  }

  private sendFrame(frame: string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(frame);
  }
}

/** Opens the WebSocket and waits for the Engine.IO open packet; rejects if none comes. */
export function openRawSocket(baseUrl: string, name: string, timeoutMs = OPEN_TIMEOUT_MS): Promise<RawSocket> {
  const ws = new WebSocket(engineUrl(baseUrl));
  const socket = new RawSocket(name, ws);
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      socket.close();
      reject(new Error(`${name}: no Engine.IO open from ${engineUrl(baseUrl)}: ${why}`));
    };
    const timer = setTimeout(() => fail(`nothing within ${timeoutMs} ms`), timeoutMs);
    ws.addEventListener('error', () => fail('the WebSocket failed'));
    socket.waitForFrame((d) => d.startsWith('0'), 0, timeoutMs).then((index) => {
      if (index < 0) return;
      clearTimeout(timer);
      resolve(socket);
    });
  });
}
