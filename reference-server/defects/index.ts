import type { Defect } from './defect.ts';
import { authDefects } from './auth-defects.ts';
import { authzDefects } from './authz-defects.ts';
import { messagingDefects } from './messaging-defects.ts';
import { stateDefects } from './state-defects.ts';
import { presenceDefects } from './presence-defects.ts';
import { robustnessDefects } from './robustness-defects.ts';
import { recoveryDefects } from './recovery-defects.ts';
import { securityDefects } from './security-defects.ts';
import { abuseDefects } from './abuse-defects.ts';

export type { Defect, DefectOverrides } from './defect.ts';
export { VARIANTS, findVariant, type Variant } from './variants.ts';

/** Every deliberate defect, by name (documented in reference-server/DEFECTS.md). */
export const DEFECTS: readonly Defect[] = [...authDefects, ...authzDefects, ...messagingDefects, ...stateDefects, ...presenceDefects, ...robustnessDefects, ...recoveryDefects, ...securityDefects, ...abuseDefects];

export function findDefect(name: string): Defect {
  const defect = DEFECTS.find((d) => d.name === name);
  if (!defect) {
    throw new Error(`unknown defect "${name}"; known defects: ${DEFECTS.map((d) => d.name).join(', ')}`);
  }
  return defect;
}
