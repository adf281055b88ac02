/* The lean client against socket.io-client on the same real Socket.IO server: the same script
 * is played by each, and what the server received (every Engine.IO packet, in order) and what
 * the client saw (events, ack answers, disconnect reasons, connect_error messages) must match.
 * The server pings every 100 ms, so pongs are part of the comparison. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket as ServerSocket } from 'socket.io';
import { io as ioClient } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { ClientSocket } from '../../src/client/client-socket.ts';
import { LeanSocket } from '../../src/client/lean-socket.ts';

const PING_INTERVAL_MS = 100;

let io: Server;
let url: string;
/** Engine.IO packets the server received, per connection, for the client playing now. */
let received: string[][] = [];
const serverSockets: ServerSocket[] = [];

beforeAll(async () => {
  const http = createServer();
  io = new Server(http, { pingInterval: PING_INTERVAL_MS, pingTimeout: 200, transports: ['websocket'] });
  io.engine.on('connection', (raw: { on(event: 'packet', fn: (p: { type: string; data?: unknown }) => void): void }) => {
    const frames: string[] = [];
    received.push(frames);
    raw.on('packet', (packet) => frames.push(`${packet.type} ${typeof packet.data === 'string' ? packet.data : ''}`));
  });
  io.use((socket, next) => {
    const token = (socket.handshake.auth as { token?: unknown }).token;
    if (token === 'good') return next();
    const refusal = new Error('unauthorized') as Error & { data?: unknown };
    refusal.data = { why: 'bad token' };
    next(refusal);
  });
  io.on('connection', (socket) => {
    serverSockets.push(socket);
    socket.on('echo', (payload: unknown, ack: (...args: unknown[]) => void) => ack({ ok: true, payload }, 'second'));
    socket.on('poke', () => socket.emit('hello', 'world', 2));
    socket.on('ask-me', () => socket.emit('question', 'name?', (answer: unknown) => socket.emit('heard', answer)));
    socket.on('kick', () => socket.disconnect(true));
    socket.on('drop', () => socket.conn.close());
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await io.close();
});

type Make = (auth: object) => ClientSocket;
const makers: Record<string, Make> = {
  'socket.io-client': (auth) => ioClient(url, { forceNew: true, transports: ['websocket'], auth }) as unknown as ClientSocket,
  lean: (auth) => new LeanSocket({ url, auth }).connect(),
};

function next(socket: ClientSocket, event: string, timeoutMs = 4_000): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    socket.once(event, (...args: unknown[]) => {
      clearTimeout(timer);
      resolve(args);
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The script, played by one client: what it saw, and what the server received from it. */
async function play(make: Make): Promise<{ seen: unknown[]; frames: string[][] }> {
  received = [];
  const seen: unknown[] = [];
  const socket = make({ token: 'good' });
  socket.onAny((event: string, ...args: unknown[]) => {
    if (typeof args[args.length - 1] === 'function') args[args.length - 1] = '<ack fn>';
    seen.push(['any', event, ...args]);
  });
  await next(socket, 'connect');
  seen.push(['connected', socket.connected, typeof socket.id, socket.recovered === true]);

  seen.push(['ack', await new Promise((resolve) => socket.timeout(1_000).emit('echo', { a: [1, 'b'] }, (...args: unknown[]) => resolve(args)))]);
  const hello = next(socket, 'hello');
  socket.emit('poke');
  seen.push(['hello', await hello]);
  socket.on('question', (question: string, answer: (a: unknown) => void) => answer(`${question} lean or not`));
  const heard = next(socket, 'heard');
  socket.emit('ask-me');
  seen.push(['heard', await heard]);
  // An ack that never comes: socket.io-client's timeout error.
  seen.push(['no ack', await new Promise((resolve) => socket.timeout(50).emit('nobody-answers', (error: Error | null) => resolve(error?.message)))]);

  // Three ping intervals: every ping answered, still connected.
  await sleep(PING_INTERVAL_MS * 3.5);
  seen.push(['after pings', socket.connected]);

  // The server drops the connection: 'transport close', then back by the client's own backoff.
  const dropped = next(socket, 'disconnect');
  socket.emit('drop');
  seen.push(['dropped', (await dropped)[0]]);
  await next(socket, 'connect', 5_000);
  seen.push(['reconnected', socket.connected]);

  // The server ends the session: 'io server disconnect', and no reconnection.
  const kicked = next(socket, 'disconnect');
  socket.emit('kick');
  seen.push(['kicked', (await kicked)[0]]);
  await sleep(1_700);
  seen.push(['after kick', socket.connected]);

  // A refused handshake: connect_error with the server's message and data.
  const refused = make({ token: 'bad' });
  const [error] = (await next(refused, 'connect_error')) as [Error & { data?: unknown }];
  seen.push(['refused', error.message, error.data, refused.connected]);
  refused.disconnect();
  socket.disconnect();
  await sleep(50);
  // Pings and pongs interleave with the rest by timing: compare them apart. The server numbers
  // its own acks per namespace, across connections: the ids answered are its, not the client's.
  const frames = received.map((connection) => connection.filter((f) => f !== 'pong ').map((f) => f.replace(/^message 3\d+/, 'message 3<server id>')));
  seen.push(['pongs', received.map((connection) => connection.filter((f) => f === 'pong ').length > 0)]);
  return { seen, frames };
}

describe('the lean client speaks Socket.IO as socket.io-client does', () => {
  it('sends the same packets and shows the same events, acks, reasons and errors on the same server', async () => {
    const reference = await play(makers['socket.io-client'] as Make);
    const lean = await play(makers.lean as Make);
    // The reference run itself is what the script expects (so a change in the script is seen here first).
    expect(reference.seen).toContainEqual(['dropped', 'transport close']);
    expect(reference.seen).toContainEqual(['kicked', 'io server disconnect']);
    expect(reference.seen).toContainEqual(['refused', 'unauthorized', { why: 'bad token' }, false]);
    expect(lean.seen).toEqual(reference.seen);
    expect(lean.frames).toEqual(reference.frames);
  }, 20_000);
});

describe('what the first server does not show', () => {
  it('drops a connection whose server stopped pinging with "ping timeout", as socket.io-client does', async () => {
    // A server that opens sessions with a 100 ms ping interval and then never pings.
    const silent = new WebSocketServer({ port: 0, host: '127.0.0.1', path: '/socket.io/' });
    silent.on('connection', (ws) => {
      ws.send('0{"sid":"silent","upgrades":[],"pingInterval":100,"pingTimeout":100,"maxPayload":1000000}');
      ws.on('message', (data) => {
        if (String(data).startsWith('40')) ws.send('40{"sid":"s1"}');
      });
    });
    await new Promise((resolve) => silent.once('listening', resolve));
    const silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      for (const make of [
        () => ioClient(silentUrl, { forceNew: true, transports: ['websocket'], reconnection: false }) as unknown as ClientSocket,
        () => new LeanSocket({ url: silentUrl }).connect(),
      ]) {
        const socket = make();
        await next(socket, 'connect');
        const [reason] = await next(socket, 'disconnect', 2_000);
        socket.disconnect();
        expect(reason).toBe('ping timeout');
      }
    } finally {
      for (const ws of silent.clients) ws.terminate();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('recovers a session (connection state recovery) and gets what it missed, as socket.io-client does', async () => {
    const http = createServer();
    const recovering = new Server(http, { transports: ['websocket'], connectionStateRecovery: { maxDisconnectionDuration: 10_000 } });
    recovering.on('connection', (socket) => {
      socket.join('room');
      socket.on('drop', () => socket.conn.close());
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const recoveringUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const play = async (socket: ClientSocket) => {
      const seen: unknown[] = [];
      socket.on('news', (n: number) => seen.push(['news', n]));
      await next(socket, 'connect');
      const firstId = socket.id;
      seen.push(['first', socket.recovered === true]);
      recovering.to('room').emit('news', 1);
      await sleep(50);
      const dropped = next(socket, 'disconnect');
      socket.emit('drop');
      await dropped;
      recovering.to('room').emit('news', 2); // missed while away: the server keeps it
      await next(socket, 'connect', 5_000);
      seen.push(['back', socket.recovered === true, socket.id === firstId]);
      await sleep(50);
      socket.disconnect();
      return seen;
    };
    try {
      const reference = await play(ioClient(recoveringUrl, { forceNew: true, transports: ['websocket'] }) as unknown as ClientSocket);
      expect(reference).toEqual([['first', false], ['news', 1], ['news', 2], ['back', true, true]]);
      expect(await play(new LeanSocket({ url: recoveringUrl }).connect())).toEqual(reference);
    } finally {
      await recovering.close();
    }
  }, 15_000);

  it('sends the handshake query and extra headers it is given, as socket.io-client does', async () => {
    const handshakes: unknown[] = [];
    const http = createServer();
    const server = new Server(http, { transports: ['websocket'] });
    server.on('connection', (socket) => handshakes.push([socket.handshake.query.room, socket.handshake.headers['x-app']]));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const serverUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    try {
      const options = { query: { room: 'r1' }, extraHeaders: { 'x-app': 'bazaar' } };
      for (const socket of [
        ioClient(serverUrl, { forceNew: true, transports: ['websocket'], ...options }) as unknown as ClientSocket,
        new LeanSocket({ url: serverUrl, ...options }).connect(),
      ]) {
        await next(socket, 'connect');
        socket.disconnect();
      }
      expect(handshakes).toEqual([['r1', 'bazaar'], ['r1', 'bazaar']]);
    } finally {
      await server.close();
    }
  });

  it('refuses to emit binary data, and counts and drops binary packets it receives', async () => {
    const unsupported: string[] = [];
    const socket = new LeanSocket({ url, auth: { token: 'good' }, onUnsupported: (what) => unsupported.push(what) }).connect();
    await next(socket, 'connect');
    expect(() => socket.emit('echo', Buffer.from('x'))).toThrow(/binary data, which the lean client does not send/);
    const server = serverSockets.at(-1) as ServerSocket;
    const after = next(socket, 'hello');
    server.emit('file', Buffer.from('bytes'));
    server.emit('hello', 'still here');
    expect(await after).toEqual(['still here']);
    expect(unsupported).toEqual(['a binary packet', 'a binary frame']);
    expect(socket.connected).toBe(true);
    socket.disconnect();
  });
});
