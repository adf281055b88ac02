/* One arm of the checked-vs-unchecked phase (issue 14), as a bench client of its own process
 * (bench/client.ts --client checked|unchecked): bazaar users with the run's online checks on
 * (createRunChecks, as `bazaar run` builds them: the checks' timer, the room census attached) or
 * off (as with `--no-check`). Each user has a booking room of its own; its round trip is
 * `VirtualUser.send`: an acked `message:send` whose `message:new` comes back through the room,
 * timed by the delivery tracker in both arms and judged by the checks in one. */
import { randomBytes } from 'node:crypto';
import { IterationClock } from '../src/client/clock.ts';
import { createDeliveryTracker } from '../src/client/delivery-tracker.ts';
import { createSecretTokenProvider } from '../src/client/tokens.ts';
import { VirtualUser } from '../src/client/virtual-user.ts';
import { createRunChecks } from '../src/engine/run-checks.ts';
import { createMetricsRegistry } from '../src/metrics/index.ts';
import type { BenchClient } from './workload.ts';

export type CheckedArm = 'checked' | 'unchecked';

const ACK_TIMEOUT_MS = 10_000;

export function createCheckedClient(url: string, arm: CheckedArm): BenchClient {
  const registry = createMetricsRegistry();
  const token = createSecretTokenProvider(randomBytes(32).toString('hex'));
  const checks = createRunChecks({ check: arm === 'checked', metrics: registry, startUs: () => 0, deliveryTimeoutMs: ACK_TIMEOUT_MS });
  const deliveries = createDeliveryTracker({ metrics: registry, timeoutMs: ACK_TIMEOUT_MS, ...(checks.onLost ? { onLost: checks.onLost } : {}) });
  checks.attach(deliveries.census);
  return {
    name: arm,
    describe: `VirtualUser + metrics registry, online checks ${arm === 'checked' ? 'on' : 'off'}, an acked message:send whose message:new comes back`,
    createUser(index) {
      const user = new VirtualUser({
        url,
        userId: `${arm}-u${index}`,
        role: 'buyer',
        token,
        transport: 'websocket',
        metrics: registry,
        deliveries,
        timing: new IterationClock(),
        ackTimeoutMs: ACK_TIMEOUT_MS,
        connectTimeoutMs: ACK_TIMEOUT_MS,
        httpTimeoutMs: ACK_TIMEOUT_MS,
        ...(checks.observer ? { observer: checks.observer } : {}),
      });
      const booking = `${arm}-b${index}`;
      return {
        async connect() {
          if (!(await user.connect())) throw new Error(`${user.userId} could not connect`);
          const joined = await user.join(booking);
          if (!joined.ok) throw new Error(`${user.userId} could not join ${booking}`);
        },
        roundTrip(done) {
          user.send(booking, 'hi').then((result) => done(result.ok === true), () => done(false));
        },
        close() {
          user.disconnect();
        },
      };
    },
    windowReport() {
      // Violations so far (0 expected: the bench server keeps every contract this load exercises).
      return { violations: checks.summary().total, checkerStreams: checks.size() };
    },
  };
}
