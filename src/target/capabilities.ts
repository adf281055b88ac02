import { CAPABILITIES, type Capability, type TargetProfile } from './types.ts';

/** What the contract's own dialect does not do: its tokens go in `auth`, never in a cookie. */
const NOT_THE_CONTRACTS: readonly Capability[] = ['cookieAuth', 'publicKeyTokens', 'logout'];

/** The guarantees a profile claims: the contract's own profile claims them all; any other, what it lists as true. */
export function claimedCapabilities(profile: TargetProfile): Set<Capability> {
  if (profile.identity.type === 'contract') return new Set((Object.keys(CAPABILITIES) as Capability[]).filter((c) => !NOT_THE_CONTRACTS.includes(c)));
  const claimed = new Set((Object.entries(profile.capabilities ?? {}) as [Capability, boolean][]).filter(([, on]) => on).map(([name]) => name));
  // Claimed by giving what the checks need, not by a flag that could be set without it.
  if (profile.security?.publicKeyPem) claimed.add('publicKeyTokens');
  if (profile.security?.logout) claimed.add('logout');
  return claimed;
}

/**
 * Why something that needs `required` does not apply to this target, or undefined when it does:
 * `the target profile "chat" does not claim ordering (an order key (seq) per booking, ...)`.
 */
export function notApplicableReason(required: readonly Capability[] | undefined, claimed: ReadonlySet<Capability>, profileName: string): string | undefined {
  const missing = (required ?? []).filter((c) => !claimed.has(c));
  if (missing.length === 0) return undefined;
  return `the target profile "${profileName}" does not claim ${missing.map((c) => `${c} (${CAPABILITIES[c]})`).join(', nor ')}`;
}
