import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeliveryTracker } from '../../src/client/delivery-tracker.ts';
import { createSecretTokenProvider } from '../../src/client/tokens.ts';
import { VirtualUser } from '../../src/client/virtual-user.ts';
import { createMetricsRegistry } from '../../src/metrics/index.ts';

// A server that answers listing:watch slowly for 'slow' and never for 'lost'.
let io: Server;
let url: string;
beforeAll(async () => {
  const http = createServer();
  io = new Server(http);
  io.on('connection', (socket) => {
    socket.on('listing:watch', (id: string, ack: (r: unknown) => void) => {
      if (id === 'slow') setTimeout(() => ack({ ok: true }), 150);
      else if (id === 'refused') ack({ ok: false, error: { code: 'forbidden', message: 'no' } });
      else if (id !== 'lost') ack({ ok: true });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await io.close();
});

function userWith(lagUs: number | undefined) {
  const metrics = createMetricsRegistry();
  const user = new VirtualUser({
    url,
    userId: 'u1',
    role: 'buyer',
    token: createSecretTokenProvider('x'),
    transport: 'websocket',
    metrics,
    deliveries: createDeliveryTracker({ metrics, timeoutMs: 300 }),
    timing: { lagUs },
    ackTimeoutMs: 300,
    connectTimeoutMs: 2_000,
    httpTimeoutMs: 2_000,
  });
  return { user, metrics };
}

describe('VirtualUser acks', () => {
  it('records a lost ack as a sample at the timeout value and counts it, never dropping it', async () => {
    const { user, metrics } = userWith(undefined);
    const result = await user.watch('lost');
    user.disconnect();
    expect(result).toMatchObject({ ok: false, error: { code: 'ack_timeout' } });
    const ack = metrics.queryLatency('ack', { event: 'listing:watch' });
    expect(ack?.count).toBe(1);
    expect(ack?.summary.maxUs).toBeGreaterThanOrEqual(300_000);
    expect(metrics.queryCounter('ack_timeouts', { event: 'listing:watch' })).toBe(1);
  });

  it('counts a refused ack by its error code and still records its latency', async () => {
    const { user, metrics } = userWith(undefined);
    const result = await user.watch('refused');
    user.disconnect();
    expect(result).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(metrics.queryCounter('errors', { code: 'forbidden' })).toBe(1);
    expect(metrics.queryLatency('ack')?.count).toBe(1);
  });

  it('measures from the intended start when the iteration started late (open model), keeping the uncorrected figure', async () => {
    const { user, metrics } = userWith(500_000); // the iteration began 500 ms behind schedule
    await user.watch('slow');
    user.disconnect();
    const snapshot = metrics.snapshot().latencies.find((l) => l.key === 'ack{event:listing:watch}');
    expect(snapshot?.summary.maxUs).toBeGreaterThanOrEqual(650_000); // 150 ms ack + 500 ms lag
    expect(snapshot?.uncorrected.maxUs).toBeLessThan(500_000);
  });
});
