import type { SessionPayload } from '../contract/index.ts';
import { CONTRACT_PROBES } from './contract-probes.ts';
import { requireDialect } from './detect-dialect.ts';
import type { ProbeContext } from './probe.ts';
import { profileProbes } from './profile-probes.ts';
import type { Target } from './target.ts';

/*
 * The up-front probe of `bazaar check` and `bazaar run --target`: before any check, seeding or
 * load, is the server speaking what bazaar will speak to it? If not, one error that says what
 * was probed and what was missing (exit 1), never a report of every step failing (issue 13 §3).
 */

/** How long a probe waits for a greeting after connect (it comes at once when it comes). */
export const DIALECT_WAIT_MS = 2_000;

/** The contract's dialect; resolves with the `session` the server greeted the probe with. */
export async function probeContractTarget(url: string, token: NonNullable<ProbeContext['token']>, userId: string, what = 'the contract (docs/contract.md)'): Promise<SessionPayload | undefined> {
  const findings = await requireDialect(CONTRACT_PROBES, { url, token, userId, waitMs: DIALECT_WAIT_MS }, {
    dialect: what,
    credentialsHint: 'pass the server\'s HS256 secret with --jwt-secret (or JWT_SECRET), or a --token-module that logs in',
  });
  return findings.find((f) => f.id === 'socket.session')?.facts?.session as SessionPayload | undefined;
}

/**
 * A profile's dialect: its login, its handshake placement, its greeting, its health path.
 * Resolves with the session as the probes see it (an app with no greeting: being connected is its session).
 */
export async function probeProfileTarget(target: Target, userId: string): Promise<SessionPayload> {
  const findings = await requireDialect(profileProbes(target), { url: target.url, userId, waitMs: DIALECT_WAIT_MS }, {
    dialect: `the way profile "${target.profile.name}" says it does`,
    credentialsHint: 'check the profile\'s identity (the login, and where its token or cookie goes on the handshake: identity.placement.handshake)',
    foreignHint: 'fix the profile where it differs from the server (docs/own-server.md); npx bazaar init --target URL shows what the server answers',
  });
  const greeted = findings.find((f) => f.id === 'profile.connect')?.facts?.session as SessionPayload | undefined;
  return greeted ?? ({ userId, role: 'buyer', ...(target.profile.presence ? { presence: target.profile.presence } : {}) } as SessionPayload);
}
