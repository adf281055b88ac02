import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDeliveryTracker } from '../../src/client/delivery-tracker.ts';
import { createSecretTokenProvider } from '../../src/client/tokens.ts';
import { VirtualUser } from '../../src/client/virtual-user.ts';
import { createMetricsRegistry } from '../../src/metrics/index.ts';
import { testClient } from '../helpers/client-kind.ts';

// Past one source address's ~28k ephemeral ports: users spread over 127.0.0.x source addresses.
let io: Server;
let url: string;
const seen: string[] = [];
beforeAll(async () => {
  const http = createServer();
  io = new Server(http);
  io.on('connection', (socket) => seen.push(socket.handshake.address));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await io.close();
});

it('connects each user from the source address it was given', async () => {
  const metrics = createMetricsRegistry();
  const base = {
    url,
    role: 'buyer' as const,
    token: createSecretTokenProvider('x'),
    transport: 'websocket' as const,
    client: testClient.kind,
    metrics,
    deliveries: createDeliveryTracker({ metrics, timeoutMs: 2_000 }),
    ackTimeoutMs: 2_000,
    connectTimeoutMs: 2_000,
    httpTimeoutMs: 2_000,
  };
  const users = ['127.0.0.2', '127.0.0.3'].map((localAddress, i) => new VirtualUser({ ...base, userId: `u${i}`, localAddress }));
  seen.length = 0;
  const connected = await Promise.all(users.map((u) => u.connect()));
  for (const user of users) user.disconnect();
  expect(connected).toEqual([true, true]);
  expect(seen.map((a) => a.replace(/^::ffff:/, '')).sort()).toEqual(['127.0.0.2', '127.0.0.3']);
});
