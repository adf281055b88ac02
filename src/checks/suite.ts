import { authChecks } from './groups/auth.ts';
import { authzChecks } from './groups/authz.ts';
import { authzPartyChecks } from './groups/authz-parties.ts';
import { deliveryChecks } from './groups/delivery.ts';
import { idempotencyChecks } from './groups/idempotency.ts';
import { orderChecks } from './groups/order.ts';
import { presenceChecks } from './groups/presence.ts';
import { raceChecks } from './groups/race.ts';
import { readsChecks } from './groups/reads.ts';
import { recoveryChecks } from './groups/recovery.ts';
import { robustnessChecks } from './groups/robustness.ts';
import { typingChecks } from './groups/typing.ts';
import { versionsChecks } from './groups/versions.ts';
import { securityCswshChecks } from './groups/security/cswsh.ts';
import { securityNamespaceChecks } from './groups/security/namespaces.ts';
import { securityRecoveryChecks } from './groups/security/recovery.ts';
import { securityTokenChecks } from './groups/security/tokens.ts';
import type { CheckDefinition } from './types.ts';

/** Every check, in the order they run. Ids are stable: CI dashboards key on them. */
export const ALL_CHECKS: readonly CheckDefinition[] = [
  ...authChecks,
  ...authzChecks,
  ...authzPartyChecks,
  ...orderChecks,
  ...deliveryChecks,
  ...idempotencyChecks,
  ...versionsChecks,
  ...raceChecks,
  ...presenceChecks,
  ...typingChecks,
  ...readsChecks,
  ...recoveryChecks,
  ...securityTokenChecks,
  ...securityCswshChecks,
  ...securityNamespaceChecks,
  ...securityRecoveryChecks,
  // Last: hostile payloads may crash a defective server, and nothing after them could run.
  ...robustnessChecks,
];

export const CHECK_GROUPS = ['auth', 'authz', 'order', 'delivery', 'idempotency', 'versions', 'race', 'presence', 'typing', 'reads', 'recovery', 'security', 'robustness'] as const;

/** `--only` patterns: 'authz.*', 'order.concurrent-senders', several comma-separated, '*' wildcards. */
export function selectChecks(pattern: string | undefined, checks: readonly CheckDefinition[] = ALL_CHECKS): CheckDefinition[] {
  if (!pattern) return [...checks];
  const regexes = pattern
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => new RegExp(`^${p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`));
  return checks.filter((check) => regexes.some((r) => r.test(check.id)));
}
