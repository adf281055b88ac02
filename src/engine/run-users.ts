import { createDeliveryTracker } from '../client/delivery-tracker.ts';
import type { TokenProvider } from '../client/http.ts';
import type { CachingTokenProvider } from '../client/tokens.ts';
import { createTagGuards } from '../client/tag-guard.ts';
import type { RunContext, RunUsers } from './run-context.ts';
import { primeSnapshots } from './snapshot-yielding.ts';
import { createUserFactory } from './vu.ts';

/**
 * The run's users (recorded in `run.users`, which the run closes at its end), sharing its
 * metrics, delivery tracker, online checks and signals.
 */
export function createRunUsers(run: RunContext, token: TokenProvider): RunUsers {
  const { options, registry, checks, abort, dialect, log, notice } = run;
  const httpTimeoutMs = Math.max(run.ackTimeoutMs, 10_000);
  const deliveries = createDeliveryTracker({
    metrics: registry,
    timeoutMs: run.deliveryTimeoutMs,
    answerTimeoutMs: httpTimeoutMs,
    signal: abort.signal,
    ...(checks.onLost ? { onLost: checks.onLost } : {}),
  });
  checks.attach(deliveries.census);
  const users = createUserFactory(
    {
      url: run.target,
      token,
      transport: options.transport ?? 'websocket',
      client: run.client,
      metrics: registry,
      deliveries,
      ackTimeoutMs: run.ackTimeoutMs,
      connectTimeoutMs: run.connectTimeoutMs,
      reconnectTimeoutMs: run.reconnectTimeoutMs,
      ...(run.reconnection ? { reconnection: run.reconnection } : {}),
      httpTimeoutMs,
      signal: abort.signal,
      tagGuards: createTagGuards((message) => {
        log.warn(message);
        notice(`warning: ${message}`);
      }),
      ...(checks.observer ? { observer: checks.observer } : {}),
      ...(dialect ? { target: dialect } : {}),
    },
    options.localAddresses,
  );
  run.users = users;
  const live = users.live;
  const cachedTokens = (token as Partial<CachingTokenProvider>).cachedTokens;
  options.inspect?.(() => ({
    liveUsers: live.size,
    checkerStreams: checks.size(),
    ...checks.sizes(),
    ...deliveries.sizes(),
    cachedTokens: cachedTokens?.() ?? 0,
  }));
  if (run.writer) primeSnapshots();
  return users;
}
