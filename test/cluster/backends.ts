import { randomBytes } from 'node:crypto';
import { signToken, type Role } from '../../src/contract/index.ts';
import { startReferenceServer, type AdapterName, type PresenceStoreKind, type ReferenceServer } from '../../reference-server/index.ts';
import { connectClient, type ConnectOptions, type TestClient } from '../helpers/client.ts';

export const JWT_SECRET = 'cluster-test-secret';

/** One marketplace served by one or more nodes; tests pick the node each client uses. */
export interface Backend {
  name: string;
  urls: string[];
  token(sub: string, role: Role): string;
  connect(node: number, sub: string, role: Role, options?: ConnectOptions): Promise<TestClient>;
  http<T = any>(node: number, method: string, path: string, as: [string, Role], body?: unknown): Promise<{ status: number; body: T }>;
  listing(node: number, sellerId: string): Promise<any>;
  booking(node: number, buyerId: string, listingId: string): Promise<any>;
  close(): Promise<void>;
}

export interface BackendSpec {
  name: string;
  nodes: number;
  redisUrl?: string;
  adapter?: AdapterName;
  fanout?: 'ordered' | 'adapter';
  presence?: { ttlMs: number; heartbeatMs: number; sweepMs: number };
  presenceStore?: PresenceStoreKind;
}

export const randomPrefix = () => `bazaar-test-${randomBytes(6).toString('hex')}`;

export function backendOverUrls(name: string, urls: string[], close: () => Promise<void>, secret = JWT_SECRET): Backend {
  const token = (sub: string, role: Role) => signToken({ sub, role, secret, ttlMs: 10 * 60_000 });
  const urlOf = (node: number) => {
    const url = urls[node % urls.length];
    if (!url) throw new Error(`no node ${node}`);
    return url;
  };
  const http: Backend['http'] = async (node, method, path, as, body) => {
    const res = await fetch(urlOf(node) + path, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token(as[0], as[1])}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  return {
    name,
    urls,
    token,
    connect: (node, sub, role, options = {}) => connectClient(urlOf(node), { ...options, auth: options.auth ?? { token: token(sub, role) } }),
    http,
    async listing(node, sellerId) {
      const res = await http(node, 'POST', '/api/listings', [sellerId, 'seller'], { title: `listing of ${sellerId}`, price: 100 });
      if (res.status !== 201) throw new Error(`creating a listing failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    },
    async booking(node, buyerId, listingId) {
      const res = await http(node, 'POST', '/api/bookings', [buyerId, 'buyer'], { listingId });
      if (res.status !== 201) throw new Error(`booking failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    },
    close,
  };
}

/** Nodes in this process, each with its own Socket.IO server, adapter and Redis clients. */
export async function startInProcessBackend(spec: BackendSpec): Promise<Backend> {
  const prefix = randomPrefix();
  const servers: ReferenceServer[] = [];
  try {
    for (let i = 0; i < spec.nodes; i++) {
      servers.push(await startReferenceServer({
        jwtSecret: JWT_SECRET,
        metricsPort: false,
        ...(spec.presenceStore ? { presenceStore: spec.presenceStore } : {}),
        ...(spec.presence ? { presenceTtlMs: spec.presence.ttlMs, presenceHeartbeatMs: spec.presence.heartbeatMs, presenceSweepMs: spec.presence.sweepMs } : {}),
        ...(spec.redisUrl ? { redis: { url: spec.redisUrl, prefix }, adapter: spec.adapter ?? 'redis', fanout: spec.fanout ?? 'ordered' } : {}),
      }));
    }
  } catch (error) {
    await Promise.all(servers.map((server) => server.close()));
    throw error;
  }
  return backendOverUrls(spec.name, servers.map((s) => s.url), async () => {
    await Promise.all(servers.map((server) => server.close()));
  });
}

export interface OrderVerdict {
  passed: boolean;
  evidence: string[];
}

/** Every receiver saw 1..total exactly once, in strictly increasing order. */
export function judgeSeqs(received: Map<string, number[]>, total: number): OrderVerdict {
  const evidence: string[] = [];
  for (const [who, seqs] of received) {
    for (let i = 1; i < seqs.length; i++) {
      const prev = seqs[i - 1] as number;
      const cur = seqs[i] as number;
      if (cur <= prev) {
        evidence.push(`${who} got seq ${cur} after ${prev}`);
        break;
      }
    }
    if (seqs.length !== total || new Set(seqs).size !== total) evidence.push(`${who} got ${seqs.length} messages (${new Set(seqs).size} distinct), expected ${total}`);
  }
  return { passed: evidence.length === 0, evidence };
}
