import { createServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Socket as TcpSocket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Role } from '../../src/contract/index.ts';
import { nowUs } from '../../src/client/clock.ts';
import { createDeliveryTracker } from '../../src/client/delivery-tracker.ts';
import { createSecretTokenProvider } from '../../src/client/tokens.ts';
import { VirtualUser } from '../../src/client/virtual-user.ts';
import { createMetricsRegistry } from '../../src/metrics/index.ts';
import { startWorld, type TestWorld } from '../helpers/world.ts';
import { testClient } from '../helpers/client-kind.ts';

// Issue 12, item 3: a connect, reconnect or delivery that never happens is a sample at its
// timeout value and a count, as a lost ack is; never a missing sample.

const CONNECT_TIMEOUT_MS = 300;
const DELIVERY_TIMEOUT_MS = 300;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface HarnessOptions {
  secret?: string;
  reconnectTimeoutMs?: number;
  signal?: AbortSignal;
}

function harness(url: string, options: HarnessOptions = {}) {
  const metrics = createMetricsRegistry();
  const deliveries = createDeliveryTracker({ metrics, timeoutMs: DELIVERY_TIMEOUT_MS, ...(options.signal ? { signal: options.signal } : {}) });
  const users: VirtualUser[] = [];
  const user = (userId: string, role: Role = 'buyer') => {
    const created = new VirtualUser({
      url,
      userId,
      role,
      token: createSecretTokenProvider(options.secret ?? 'any'),
      transport: 'websocket',
      client: testClient.kind,
      metrics,
      deliveries,
      ackTimeoutMs: 2_000,
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
      reconnectTimeoutMs: options.reconnectTimeoutMs ?? 60_000,
      httpTimeoutMs: 2_000,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    users.push(created);
    return created;
  };
  cleanups.push(() => users.forEach((u) => u.disconnect()));
  return { metrics, deliveries, user };
}

async function listen(http: HttpServer): Promise<string> {
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
}

/** A real socket.io server whose connection handler the test writes. */
async function startSocketServer(onConnection: (io: Server) => void, onHttp?: Parameters<typeof createServer>[1]) {
  const http = onHttp ? createServer(onHttp) : createServer();
  const io = new Server(http);
  onConnection(io);
  const url = await listen(http);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    io.disconnectSockets(true);
    await io.close();
    http.closeAllConnections();
  };
  cleanups.push(close);
  return { io, url, close };
}

/** The value recorded for a timeout of `ms`, as HdrHistogram keeps it (3 significant digits). */
const atTimeoutUs = (ms: number) => ms * 1000 * 0.999;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('connect', () => {
  it('records a connect that gets no handshake at the connect timeout and counts connect_timeouts', async () => {
    // Accepts TCP and never answers: the WebSocket upgrade never completes.
    const held = new Set<TcpSocket>();
    const tcp = createTcpServer((socket) => held.add(socket));
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => {
      for (const socket of held) socket.destroy();
      return new Promise((resolve) => tcp.close(resolve));
    });
    const { metrics, user } = harness(`http://127.0.0.1:${(tcp.address() as AddressInfo).port}`);

    expect(await user('u1').connect()).toBe(false);
    const connect = metrics.queryLatency('connect');
    expect(connect?.count).toBe(1);
    expect(connect?.summary.minUs).toBeGreaterThanOrEqual(atTimeoutUs(CONNECT_TIMEOUT_MS));
    expect(metrics.queryCounter('connect_timeouts')).toBe(1);
  });

  it('records a refused connect at the connect timeout, counted by its message and not as a timeout', async () => {
    const { url } = await startSocketServer((io) => io.use((_socket, next) => next(new Error('unauthorized'))));
    const { metrics, user } = harness(url);

    expect(await user('u1').connect()).toBe(false);
    expect(metrics.queryLatency('connect')?.count).toBe(1);
    expect(metrics.queryLatency('connect')?.summary.minUs).toBeGreaterThanOrEqual(atTimeoutUs(CONNECT_TIMEOUT_MS));
    expect(metrics.queryCounter('connect_errors', { message: 'unauthorized' })).toBe(1);
    expect(metrics.queryCounter('connect_timeouts')).toBeUndefined();
  });
});

describe('reconnect', () => {
  it('records a reconnect() against a server that went away at the connect timeout and counts reconnect_failures', async () => {
    const server = await startSocketServer(() => {});
    const { metrics, user } = harness(server.url);
    const u = user('u1');
    expect(await u.connect()).toBe(true);
    await server.close();

    expect(await u.reconnect()).toBe(false);
    const reconnect = metrics.queryLatency('reconnect');
    expect(reconnect?.count).toBe(1);
    expect(reconnect?.summary.minUs).toBeGreaterThanOrEqual(atTimeoutUs(CONNECT_TIMEOUT_MS));
    expect(metrics.queryCounter('reconnect_failures')).toBe(1);
  });

  it('records a dropped connection that does not come back within reconnectTimeoutMs at that bound, once', async () => {
    const server = await startSocketServer(() => {});
    const { metrics, user } = harness(server.url, { reconnectTimeoutMs: 400 });
    expect(await user('u1').connect()).toBe(true);
    await server.close(); // socket.io-client's backoff keeps trying, in vain

    await vi.waitFor(() => expect(metrics.queryCounter('reconnect_failures')).toBe(1), { timeout: 5_000, interval: 50 });
    expect(metrics.queryLatency('reconnect')?.count).toBe(1);
    expect(metrics.queryLatency('reconnect')?.summary.minUs).toBeGreaterThanOrEqual(atTimeoutUs(400));
    await sleep(500);
    expect(metrics.queryCounter('reconnect_failures')).toBe(1);
  });

  it('times a connection the server ended and that came back, counts no failure, and joins its rooms again', async () => {
    const watches: string[] = [];
    const server = await startSocketServer((io) =>
      io.on('connection', (socket) => {
        socket.on('listing:watch', (id: string, ack: (r: unknown) => void) => {
          watches.push(id);
          void socket.join(`listing:${id}`);
          ack({ ok: true });
        });
      }),
    );
    const { metrics, deliveries, user } = harness(server.url, { reconnectTimeoutMs: 5_000 });
    const u = user('u1');
    expect((await u.watch('l1')).ok).toBe(true);
    server.io.disconnectSockets(); // 'io server disconnect': the user comes back after a jittered pause
    await vi.waitFor(() => expect(metrics.queryLatency('reconnect')?.count).toBe(1), { timeout: 5_000, interval: 50 });
    await vi.waitFor(() => expect(deliveries.census.size('listing:l1')).toBe(1), { timeout: 2_000, interval: 20 });
    expect(watches).toEqual(['l1', 'l1']);
    expect(metrics.queryCounter('reconnect_failures')).toBeUndefined();
  });
});

/** Acks message:send and joins rooms, but broadcasts nothing: every delivery is lost. */
async function startMuteServer() {
  return startSocketServer((io) =>
    io.on('connection', (socket) => {
      socket.on('booking:join', (id: string, ack: (r: unknown) => void) => {
        void socket.join(`booking:${id}`);
        ack({ ok: true });
      });
      socket.on('booking:leave', (id: string, ack: (r: unknown) => void) => {
        void socket.leave(`booking:${id}`);
        ack({ ok: true });
      });
      socket.on('message:send', (m: { bookingId: string; body: string; clientMsgId: string }, ack: (r: unknown) => void) => {
        ack({ ok: true, message: { id: 'x', seq: 1, senderId: 'u', sentAt: Date.now(), ...m } });
      });
    }),
  );
}

describe('delivery', () => {
  it('records a fan-out that never arrives at each member owed it, at the delivery timeout, counted per event', async () => {
    const { url } = await startMuteServer();
    const { metrics, user } = harness(url);
    const [buyer, seller] = [user('b1'), user('s1', 'seller')];
    await Promise.all([buyer.join('bk1'), seller.join('bk1')]);

    expect((await buyer.send('bk1', 'anyone there?')).ok).toBe(true);
    await vi.waitFor(() => expect(metrics.queryCounter('delivery_timeouts', { event: 'message:new' })).toBe(2), { timeout: 3_000, interval: 20 });
    const delivery = metrics.queryLatency('delivery', { event: 'message:new' });
    expect(delivery?.count).toBe(2);
    expect(delivery?.summary.minUs).toBeGreaterThanOrEqual(atTimeoutUs(DELIVERY_TIMEOUT_MS));
  });

  it('counts no loss for a member that left or disconnected, nor once the run has ended', async () => {
    const { url } = await startMuteServer();
    const run = new AbortController();
    const { metrics, user } = harness(url, { signal: run.signal });
    const [buyer, seller, admin] = [user('b1'), user('s1', 'seller'), user('a1', 'admin')];
    await Promise.all([buyer.join('bk1'), seller.join('bk1'), admin.join('bk2')]);

    expect((await buyer.send('bk1', 'hello')).ok).toBe(true);
    await seller.leave('bk1');
    buyer.disconnect();
    expect((await admin.send('bk2', 'hello')).ok).toBe(true);
    run.abort('run over');
    await sleep(DELIVERY_TIMEOUT_MS + 300);
    expect(metrics.queryCounter('delivery_timeouts')).toBeUndefined();
    expect(metrics.queryLatency('delivery')).toBeUndefined();
  });
});

describe('delivery against the reference server', () => {
  let world: TestWorld | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it.each([
    ['the correct server', undefined, 0],
    ['broadcast-excludes-sender (the sender never gets its own message)', 'broadcast-excludes-sender', 1],
  ])('%s: delivery_timeouts counts exactly the missing deliveries', async (_, defect, missing) => {
    world = await startWorld(defect ? { defect } : {});
    const { buyer, seller, booking } = await world.bookingWithParties();
    const { metrics, user } = harness(world.url, { secret: world.server.jwtSecret });
    const [b, s] = [user(buyer, 'buyer'), user(seller, 'seller')];
    await Promise.all([b.join(booking.id), s.join(booking.id)]);

    expect((await b.send(booking.id, 'is it still available?')).ok).toBe(true);
    await vi.waitFor(() => expect(metrics.queryLatency('delivery', { event: 'message:new' })?.count).toBe(2), { timeout: 3_000, interval: 20 });
    await sleep(DELIVERY_TIMEOUT_MS + 200);
    expect(metrics.queryCounter('delivery_timeouts', { event: 'message:new' }) ?? 0).toBe(missing);
  });

  it('times available:false from the winning booking and available:true from the decline', async () => {
    world = await startWorld();
    const seller = world.uid('s');
    const listing = await world.listing(seller);
    const { metrics, user } = harness(world.url, { secret: world.server.jwtSecret });
    const [watcher, buyer, owner] = [user(world.uid('w')), user(world.uid('b')), user(seller, 'seller')];
    expect((await watcher.watch(listing.id)).ok).toBe(true);

    const booked = await buyer.book(listing.id);
    expect(booked.status).toBe(201);
    expect((await owner.transition(booked.body.id, 'declined')).status).toBe(200);
    await vi.waitFor(() => expect(metrics.queryLatency('delivery', { event: 'listing:availabilityChanged' })?.count).toBe(2), {
      timeout: 3_000,
      interval: 20,
    });
    await sleep(DELIVERY_TIMEOUT_MS + 200);
    expect(metrics.queryCounter('delivery_timeouts')).toBeUndefined();
  });
});

describe('checkout race attribution', () => {
  it('times availability from the attempt that won, not from a later losing attempt', async () => {
    // The first booking is held until a second attempt has come and lost; only then does the
    // listing go unavailable. Its delivery must be timed from the first (winning) send.
    let holdWinner: (() => void) | undefined;
    const server = await startSocketServer(
      (io) =>
        io.on('connection', (socket) => {
          socket.on('listing:watch', (id: string, ack: (r: unknown) => void) => {
            void socket.join(`listing:${id}`);
            ack({ ok: true });
          });
        }),
      (req, res) => {
        req.resume();
        req.on('end', () => {
          const answer = (status: number, body: unknown) => {
            res.writeHead(status, { 'content-type': 'application/json' });
            res.end(JSON.stringify(body));
          };
          if (!holdWinner) {
            holdWinner = () => {
              server.io.to('listing:l1').emit('listing:availabilityChanged', { listingId: 'l1', available: false, version: 2, at: Date.now() });
              answer(201, { id: 'bk1', listingId: 'l1', buyerId: 'b1', sellerId: 's1', status: 'requested', version: 1 });
            };
            return;
          }
          answer(409, { error: { code: 'conflict', message: 'listing l1 is not available' } });
          holdWinner();
        });
      },
    );
    const { metrics, user } = harness(server.url);
    const watcher = user('w1');
    expect((await watcher.watch('l1')).ok).toBe(true);

    const winnerSentUs = nowUs();
    const winner = user('b1').book('l1');
    await sleep(200);
    const loserSentUs = nowUs();
    const loser = await user('b2').book('l1');
    expect(loser.status).toBe(409);
    expect((await winner).status).toBe(201);
    await vi.waitFor(() => expect(metrics.queryLatency('delivery', { event: 'listing:availabilityChanged' })?.count).toBe(1), {
      timeout: 2_000,
      interval: 20,
    });
    // It arrived after the losing attempt was sent, so timed from the winner it is longer than
    // the gap between the two sends (timed from the loser it would be a few ms).
    expect(metrics.queryLatency('delivery', { event: 'listing:availabilityChanged' })?.summary.minUs).toBeGreaterThan(loserSentUs - winnerSentUs);
  });
});
