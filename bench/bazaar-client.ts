/* bazaar's own client layer as a scenario uses it: one VirtualUser per simulated user (a real
 * socket.io-client, forceNew, WebSocket transport, per-user HS256 token minted before connect,
 * reconnection on), every metric recorded in a real registry (ack latency in HDR, corrected and
 * uncorrected, counters on failure). The round trip is `VirtualUser.watch(listing)`: an acked
 * `listing:watch` recorded as ack{event:listing:watch}. */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { IterationClock } from '../src/client/clock.ts';
import { createDeliveryTracker } from '../src/client/delivery-tracker.ts';
import { createSecretTokenProvider } from '../src/client/tokens.ts';
import { VirtualUser } from '../src/client/virtual-user.ts';
import type { ClientKind } from '../src/client/client-socket.ts';
import { createMetricsRegistry } from '../src/metrics/index.ts';
import type { BenchClient, BenchUser } from './workload.ts';

const ACK_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_MS = 10_000;

/** `client: 'lean'`: the same VirtualUser over the lean client (src/client/lean-socket.ts). */
export function createBazaarClient(url: string, listingId: string, client: ClientKind = 'socket.io-client'): BenchClient {
  const registry = createMetricsRegistry();
  // The bench server ignores tokens, but minting them is part of what a bazaar user costs.
  const token = createSecretTokenProvider(randomBytes(32).toString('hex'));
  const deliveries = createDeliveryTracker({ metrics: registry, timeoutMs: ACK_TIMEOUT_MS });
  const version = (createRequire(import.meta.url)('socket.io-client/package.json') as { version: string }).version;

  return {
    name: client === 'lean' ? 'lean' : 'bazaar',
    describe: client === 'lean' ? 'VirtualUser (--client lean: ws with hand-written EIO4/SIO5 framing) + metrics registry' : `VirtualUser (socket.io-client@${version}) + metrics registry`,
    createUser(index) {
      const user = new VirtualUser({
        url,
        userId: `bench-u${index}`,
        role: 'buyer',
        token,
        transport: 'websocket',
        client,
        metrics: registry,
        deliveries,
        // Each user its own iteration clock, as each VU of a scenario has (src/client/clock.ts).
        timing: new IterationClock(),
        ackTimeoutMs: ACK_TIMEOUT_MS,
        connectTimeoutMs: CONNECT_TIMEOUT_MS,
        httpTimeoutMs: ACK_TIMEOUT_MS,
      });
      return wrap(user, listingId);
    },
    markWindowStart() {
      // The interval histogram restarts here, so the window's figures exclude the warm-up.
      registry.intervalLatency('ack');
    },
    windowReport() {
      const window = registry.intervalLatency('ack');
      return {
        // bazaar's own measurement of the window (HDR, 3 significant digits).
        ownAckP50Ms: window ? window.p50Us / 1000 : undefined,
        ownAckP99Ms: window ? window.p99Us / 1000 : undefined,
        ownAckCount: window?.count ?? 0,
        errors: registry.queryCounter('errors') ?? 0,
        ackTimeouts: registry.queryCounter('ack_timeouts') ?? 0,
        series: registry.metricNames(),
      };
    },
  };
}

function wrap(user: VirtualUser, listingId: string): BenchUser {
  return {
    async connect() {
      if (!(await user.connect())) throw new Error(`${user.userId} could not connect (see connect_errors)`);
    },
    roundTrip(done) {
      user.watch(listingId).then(
        (result) => done(result.ok === true),
        () => done(false),
      );
    },
    close() {
      user.disconnect();
    },
  };
}
