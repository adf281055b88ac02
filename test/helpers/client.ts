import { io, type Socket } from 'socket.io-client';

export interface ReceivedEvent {
  event: string;
  payload: unknown;
  atMs: number;
}

export interface TestClient {
  socket: Socket;
  /** Every server event this client received, in order. */
  received: ReceivedEvent[];
  /** Payloads of one event, in order of arrival. */
  payloadsOf<T = any>(event: string): T[];
  waitFor<T = any>(event: string, predicate?: (payload: T) => boolean, timeoutMs?: number): Promise<T>;
  ack<T = any>(event: string, payload?: unknown, timeoutMs?: number): Promise<T>;
  close(): void;
}

const open = new Set<TestClient>();

/** Close every client opened by a test (call in afterEach). */
export function closeAllClients(): void {
  for (const client of open) client.close();
  open.clear();
}

export interface ConnectOptions {
  auth?: Record<string, unknown>;
  query?: Record<string, string>;
  transports?: ('websocket' | 'polling')[];
  timeoutMs?: number;
  /** Keep cookies between requests (engine.io-client's Node cookie jar), e.g. for HAProxy's sticky cookie. */
  withCredentials?: boolean;
}

function wrap(socket: Socket): TestClient {
  const received: ReceivedEvent[] = [];
  socket.onAny((event: string, payload: unknown) => received.push({ event, payload, atMs: Date.now() }));
  const client: TestClient = {
    socket,
    received,
    payloadsOf: (event) => received.filter((r) => r.event === event).map((r) => r.payload as any),
    waitFor(event, predicate = () => true, timeoutMs = 3_000) {
      const already = received.find((r) => r.event === event && predicate(r.payload as any));
      if (already) return Promise.resolve(already.payload as any);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          socket.off(event, listener);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${event}`));
        }, timeoutMs);
        const listener = (payload: any) => {
          if (!predicate(payload)) return;
          clearTimeout(timer);
          socket.off(event, listener);
          resolve(payload);
        };
        socket.on(event, listener);
      });
    },
    ack(event, payload, timeoutMs = 3_000) {
      const args = payload === undefined ? [] : [payload];
      return socket.timeout(timeoutMs).emitWithAck(event, ...args);
    },
    close() {
      socket.disconnect();
      open.delete(client);
    },
  };
  open.add(client);
  return client;
}

/** Connect and wait for the connection; rejects with the connect_error. */
export function connectClient(url: string, options: ConnectOptions = {}): Promise<TestClient> {
  const socket = io(url, {
    // forceNew: each test client is its own connection, as each simulated user is.
    forceNew: true,
    reconnection: false,
    transports: options.transports ?? ['websocket'],
    auth: options.auth ?? {},
    query: options.query ?? {},
    withCredentials: options.withCredentials ?? false,
  });
  const client = wrap(socket);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.close();
      reject(new Error(`timed out connecting to ${url}`));
    }, options.timeoutMs ?? 5_000);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(client);
    });
    socket.once('connect_error', (error) => {
      clearTimeout(timer);
      client.close();
      reject(error);
    });
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
