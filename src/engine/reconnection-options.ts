import { BazaarError } from '../errors.ts';
import type { Scenario } from '../scenario/types.ts';
import { parseDurationMs } from '../util/duration.ts';

/** The scenario's reconnection backoff, checked; undefined leaves socket.io-client's defaults. */
export function reconnectionOptions(spec: NonNullable<Scenario['options']>['reconnection']): { delayMs: number; delayMaxMs: number; randomizationFactor: number } | undefined {
  if (!spec) return undefined;
  const delayMs = parseDurationMs(spec.delay ?? '1s', 'options.reconnection.delay');
  const delayMaxMs = parseDurationMs(spec.delayMax ?? `${Math.max(5_000, delayMs)}ms`, 'options.reconnection.delayMax');
  const randomizationFactor = spec.randomizationFactor ?? 0.5;
  if (!(randomizationFactor >= 0 && randomizationFactor <= 1)) {
    throw new BazaarError('BAZAAR_BAD_SCENARIO', `options.reconnection.randomizationFactor is ${randomizationFactor}`, 'give a number from 0 to 1 (socket.io-client jitters each delay by ± that share)');
  }
  if (delayMaxMs < delayMs) {
    throw new BazaarError('BAZAAR_BAD_SCENARIO', `options.reconnection.delayMax (${delayMaxMs} ms) is below delay (${delayMs} ms)`, 'make delayMax at least delay');
  }
  return { delayMs, delayMaxMs, randomizationFactor };
}
