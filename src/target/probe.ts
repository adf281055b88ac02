import type { Role } from '../contract/index.ts';

/**
 * One thing bazaar tries against a target before it does any work (issue 13 §3): an Engine.IO
 * handshake, an HTTP route, a connect with a token, an event after connect. The contract's
 * probes are in contract-probes.ts; a target profile may bring its own.
 */
export interface Probe {
  id: string;
  /** What is tried, in words: `POST /api/listings as a buyer`. */
  probed: string;
  /** Whether a failure means the target does not speak the dialect; otherwise it is only reported. */
  required: boolean;
  run(context: ProbeContext): Promise<ProbeOutcome>;
}

export interface ProbeContext {
  /** The target's base URL, without a trailing slash. */
  url: string;
  /** Credentials for a probe user, when there is a way to get them. */
  token?: (userId: string, role: Role) => string | Promise<string>;
  /** The user id probes should use (unique per run, so probes leave no trace a check would trip on). */
  userId: string;
  /** How long a probe waits for something that should come at once (an event after connect). */
  waitMs: number;
}

/**
 * What a probe found. `missing` (a failure) is one of: `unreachable` (nothing answers at all),
 * `dialect` (something answers, but not as the dialect says), `credentials` (the dialect is
 * spoken but the probe's credentials were refused).
 */
export type ProbeOutcome =
  | { ok: true; found: string; facts?: Record<string, unknown> }
  | { ok: false; found: string; missing: 'unreachable' | 'dialect' | 'credentials'; facts?: Record<string, unknown> };

export type ProbeFinding = ProbeOutcome & { id: string; probed: string; required: boolean };
