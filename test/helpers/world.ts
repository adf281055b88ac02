import { signToken, type Role } from '../../src/contract/index.ts';
import { startReferenceServer, type ReferenceServer, type ReferenceServerOptions } from '../../reference-server/index.ts';
import { connectClient, type ConnectOptions, type TestClient } from './client.ts';

export interface HttpAnswer<T = any> {
  status: number;
  body: T;
}

/** A started reference server plus the helpers every integration test needs. */
export interface TestWorld {
  server: ReferenceServer;
  url: string;
  token(sub: string, role: Role, ttlMs?: number): string;
  connect(sub: string, role: Role, options?: ConnectOptions): Promise<TestClient>;
  http<T = any>(method: string, path: string, options?: { token?: string; body?: unknown; as?: [string, Role] }): Promise<HttpAnswer<T>>;
  /** Seller creates a listing; returns it. */
  listing(sellerId: string, extra?: { private?: boolean; price?: number }): Promise<any>;
  /** Buyer books a listing; returns the booking. */
  booking(buyerId: string, listingId: string): Promise<any>;
  /** A user id unique within this world: uid('s') → 's1', 's2', … */
  uid(prefix: string): string;
  /** A fresh seller, buyer and a booking between them. */
  bookingWithParties(): Promise<{ seller: string; buyer: string; booking: any }>;
  /** Connect and join a booking room (throws when the join is refused). */
  joined(sub: string, role: Role, bookingId: string): Promise<TestClient>;
  close(): Promise<void>;
}

export async function startWorld(options: ReferenceServerOptions = {}): Promise<TestWorld> {
  const server = await startReferenceServer({ jwtSecret: 'test-secret', ...options });
  const secret = server.jwtSecret;
  let idCounter = 0;
  const token = (sub: string, role: Role, ttlMs = 10 * 60_000) => signToken({ sub, role, secret, ttlMs });
  const http: TestWorld['http'] = async (method, path, opts = {}) => {
    const bearer = opts.token ?? (opts.as ? token(opts.as[0], opts.as[1]) : undefined);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    const res = await fetch(server.url + path, {
      method,
      headers,
      body: opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const world: TestWorld = {
    server,
    url: server.url,
    token,
    connect: (sub, role, opts = {}) => connectClient(server.url, { ...opts, auth: opts.auth ?? { token: token(sub, role) } }),
    http,
    async listing(sellerId, extra = {}) {
      const res = await http('POST', '/api/listings', {
        as: [sellerId, 'seller'],
        body: { title: `listing of ${sellerId}`, price: extra.price ?? 100, private: extra.private ?? false },
      });
      if (res.status !== 201) throw new Error(`creating a listing failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    },
    async booking(buyerId, listingId) {
      const res = await http('POST', '/api/bookings', { as: [buyerId, 'buyer'], body: { listingId } });
      if (res.status !== 201) throw new Error(`booking failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    },
    uid: (prefix) => `${prefix}${++idCounter}`,
    async bookingWithParties() {
      const seller = world.uid('s');
      const buyer = world.uid('b');
      const listing = await world.listing(seller);
      const booking = await world.booking(buyer, listing.id);
      return { seller, buyer, booking };
    },
    async joined(sub, role, bookingId) {
      const client = await world.connect(sub, role);
      const ack = await client.ack('booking:join', bookingId);
      if (ack?.ok !== true) throw new Error(`${sub} could not join booking ${bookingId}: ${JSON.stringify(ack)}`);
      return client;
    },
    close: () => server.close(),
  };
  return world;
}
