import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IterationClock } from '../../src/client/clock.ts';
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

function userWith(timing?: IterationClock) {
  const metrics = createMetricsRegistry();
  const user = new VirtualUser({
    url,
    userId: 'u1',
    role: 'buyer',
    token: createSecretTokenProvider('x'),
    transport: 'websocket',
    metrics,
    deliveries: createDeliveryTracker({ metrics, timeoutMs: 300 }),
    ...(timing ? { timing } : {}),
    ackTimeoutMs: 300,
    connectTimeoutMs: 2_000,
    httpTimeoutMs: 2_000,
  });
  return { user, metrics };
}

describe('VirtualUser acks', () => {
  it('records a lost ack as a sample at the timeout value and counts it, never dropping it', async () => {
    const { user, metrics } = userWith();
    const result = await user.watch('lost');
    user.disconnect();
    expect(result).toMatchObject({ ok: false, error: { code: 'ack_timeout' } });
    const ack = metrics.queryLatency('ack', { event: 'listing:watch' });
    expect(ack?.count).toBe(1);
    expect(ack?.summary.maxUs).toBeGreaterThanOrEqual(300_000);
    expect(metrics.queryCounter('ack_timeouts', { event: 'listing:watch' })).toBe(1);
  });

  it('counts a refused ack by its error code and still records its latency', async () => {
    const { user, metrics } = userWith();
    const result = await user.watch('refused');
    user.disconnect();
    expect(result).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(metrics.queryCounter('errors', { code: 'forbidden' })).toBe(1);
    expect(metrics.queryLatency('ack')?.count).toBe(1);
  });

  it('measures a step that waited behind a stalled step of the same iteration from when it would have started', async () => {
    const clock = new IterationClock(20); // a step stalls by what it takes beyond 20 ms
    const { user, metrics } = userWith(clock);
    await user.connect();
    clock.start(); // the iteration begins connected, whatever connecting took
    await user.watch('slow'); // 150 ms: 130 ms beyond the threshold hold up what follows
    await user.watch('fast');
    user.disconnect();
    const ack = metrics.snapshot().latencies.find((l) => l.key === 'ack{event:listing:watch}');
    // corrected: the slow step itself (~150 ms), then the fast one measured from ~130 ms earlier
    expect(ack?.summary.minUs).toBeGreaterThanOrEqual(130_000);
    // uncorrected: the fast one as it was
    expect(ack?.uncorrected.minUs).toBeLessThan(100_000);
    expect(ack?.uncorrected.maxUs).toBe(ack?.summary.maxUs);
  });

  it('measures the steps of an arrival that waited for a free VU from when it was dispatched', async () => {
    const clock = new IterationClock();
    clock.start(500_000); // queued for 500 ms behind busy VUs
    const { user, metrics } = userWith(clock);
    await user.watch('fast');
    user.disconnect();
    const ack = metrics.snapshot().latencies.find((l) => l.key === 'ack{event:listing:watch}');
    expect(ack?.summary.maxUs).toBeGreaterThanOrEqual(500_000);
    expect(ack?.uncorrected.maxUs).toBeLessThan(500_000);
  });

  it('keeps one figure when no step stalled: a slow-ish step under the threshold holds nothing up', async () => {
    const clock = new IterationClock(1_000);
    clock.start();
    const { user, metrics } = userWith(clock);
    await user.watch('slow');
    await user.watch('fast');
    user.disconnect();
    const [ack] = metrics.snapshot().latencies.filter((l) => l.key === 'ack{event:listing:watch}');
    expect(ack?.summary.count).toBe(2);
    expect(ack?.uncorrectedHistogram).toBe(ack?.histogram);
  });
});
