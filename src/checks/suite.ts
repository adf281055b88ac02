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
import { abuseChecks } from './groups/security/abuse.ts';
import { cveChecks } from './groups/security/cve.ts';
import { injectionChecks } from './groups/security/injection.ts';
import { BazaarError } from '../errors.ts';
import type { CheckDefinition } from './types.ts';

/** Every check, in the order they run. Ids are stable: CI dashboards key on them. */
export const ALL_CHECKS: readonly CheckDefinition[] = [
  ...authChecks,
  ...authzChecks,
  ...authzPartyChecks,
  ...injectionChecks,
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
  // After robustness, for the same reason: floods and known CVE shapes may bring a defective server down.
  ...abuseChecks,
  ...cveChecks,
];

export const CHECK_GROUPS = ['auth', 'authz', 'order', 'delivery', 'idempotency', 'versions', 'race', 'presence', 'typing', 'reads', 'recovery', 'robustness', 'security'] as const;

/**
 * Named selections for `bazaar check --preset NAME`. `security`: every group that touches
 * security (tokens, room authorization, crashes, session recovery, and the security.* checks).
 */
export const CHECK_PRESETS = {
  security: 'auth.*,authz.*,robustness.*,recovery.*,security.*',
} as const;
export type CheckPreset = keyof typeof CHECK_PRESETS;

/** The checks of a preset; an --only pattern narrows them further (a check must match both). */
export function selectPreset(preset: string, only?: string, checks: readonly CheckDefinition[] = ALL_CHECKS): CheckDefinition[] {
  if (!Object.hasOwn(CHECK_PRESETS, preset)) {
    throw new BazaarError('BAZAAR_BAD_OPTIONS', `unknown preset "${preset}"`, `choose one of: ${Object.keys(CHECK_PRESETS).join(', ')}`);
  }
  return selectChecks(only, selectChecks(CHECK_PRESETS[preset as CheckPreset], checks));
}

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
