import type { Booking, Listing, Role, SessionPayload } from '../contract/index.ts';
import type { Capability, SecurityProfile, TargetRequest, TargetResponse, TargetUser } from '../target/types.ts';
import type { ProbeClient, ProbeConnectOptions } from './probe-client.ts';

/**
 * `skipped`: the check decided it cannot judge this target (the reason says why and what to do).
 * `not-applicable`: the target's profile does not claim the guarantee the check holds it to
 * (src/target/capabilities.ts): never run, never failed, never counted as passed, and not a
 * skip for --fail-on-skip (the app never promised it).
 * `interrupted`: the run was stopped (Ctrl-C) while it ran or before it started: no verdict.
 */
export type CheckStatus = 'passed' | 'failed' | 'skipped' | 'not-applicable' | 'error' | 'interrupted';

export interface CheckResult {
  id: string;
  title: string;
  guarantee: string;
  status: CheckStatus;
  durationMs: number;
  /** For failures: what was sent, what was observed, by whom, e.g. `u17@c2 received seq 41 after 43 in booking b9`. Skipped and interrupted: the reason. */
  evidence: string[];
  /** Skipped, not-applicable and interrupted checks: why there is no verdict, and what would give one. */
  reason?: string;
  /** How bad a failure is (security checks): carried to report.json, JUnit and findings.sarif. */
  severity?: Severity;
  /** What to change in the server when it fails. */
  fixHint?: string;
  /** What the check measured whatever its verdict, e.g. what a flood cost other users (ctx.note). */
  notes?: string[];
}

/** A finding's weight, as a security team ranks it (SARIF maps it to a security-severity score). */
export type Severity = 'critical' | 'high' | 'medium' | 'low';

export interface HttpResult<T = any> {
  status: number;
  body: T;
}

/** Presence timing read from the target's `session` event; checks size their waits by it. */
export interface PresenceTiming {
  ttlMs: number;
  heartbeatMs: number;
  /** From `session.presence.sweepMs`, else an assumed 5 s. */
  sweepMs: number;
}

/** What a check works with. Everything it opens is closed when the check ends. */
export interface CheckContext {
  url: string;
  /** Unique per check run: prefixes every id this check creates, so checks never share users. */
  prefix: string;
  /** A fresh user id under this check's prefix, e.g. id('buyer') → 'k3f-buyer-1'. */
  id(label: string): string;
  /** A valid token for a user (HS256 with the target's secret, or the token module). */
  token(userId: string, role: Role): Promise<string>;
  /**
   * Does the target claim this guarantee (its profile's capabilities; the contract's dialect
   * claims all)? For checks that judge a part only where it applies, e.g. an admin's socket.
   */
  claims(capability: Capability): boolean;
  /** What the target's profile tells the security.* checks (its namespaces, ...); empty for the contract's dialect. */
  security: SecurityProfile;
  /** The target's secret, when known: auth probes forge tokens with it. */
  jwtSecret: string | undefined;
  /** Connect as a user; the probe's name is `userId@cN`. Rejects with the connect_error. */
  connect(userId: string, role: Role, options?: ProbeConnectOptions): Promise<ProbeClient>;
  /** Connect with arbitrary handshake auth/query (auth probes). */
  connectRaw(name: string, options: ProbeConnectOptions): Promise<ProbeClient>;
  /**
   * A request the target's profile describes (its security.logout, say), as this user with its
   * credentials placed the profile's way; the contract's dialect: with its Bearer token.
   */
  requestAs(user: TargetUser, request: TargetRequest): Promise<TargetResponse>;
  http<T = any>(method: string, path: string, options?: { as?: [string, Role]; token?: string; body?: unknown }): Promise<HttpResult<T>>;
  listing(sellerId: string, options?: { private?: boolean; price?: number }): Promise<Listing>;
  booking(buyerId: string, listingId: string): Promise<Booking>;
  presence: PresenceTiming;
  session: SessionPayload | undefined;
  /** Record an evidence line; the check fails if any line was recorded (or it throws CheckFailed). */
  fail(line: string): void;
  /** Record a measurement that is no failure (what a flood cost a bystander): reported as the result's notes. */
  note(line: string): void;
  /** Sleep; rejects at once when the check is stopped (its timeout, or Ctrl-C). */
  sleep(ms: number): Promise<void>;
  /**
   * Aborted when the check is stopped (it timed out, or the run was interrupted) and when it
   * ends. Every probe, sleep and HTTP call of this context already stops on it; a check that
   * starts its own timer or interval must stop that on it too.
   */
  signal: AbortSignal;
  /** How long this check may run: its `timeoutMs`, raised by `--max-wait` for checks with `longWaits`. */
  timeoutMs: number;
  /** Is the server still answering? GET /healthz and a fresh connection. */
  serverAlive(): Promise<{ ok: boolean; detail: string }>;
  /**
   * Record a latency this check timed on the target, e.g. a trigger to a control's receipt.
   * Ack round trips of its probes and its HTTP calls are recorded without being asked.
   */
  observeLatency(ms: number): void;
  /**
   * How long to wait before deciding that nothing (more) arrived: sized from the latency this
   * check measured on this target (src/checks/absence-window.ts; docs/checks.md).
   */
  absenceWindowMs(): number;
  /** The target's clock minus ours, from the HTTP `Date` header (±1 s: the header has whole seconds). */
  serverClockSkew(): Promise<ClockSkew>;
}

export interface ClockSkew {
  /** Server clock minus local clock, midpoint estimate. */
  skewMs: number;
  /** The true skew lies within skewMs ± uncertaintyMs (the header's 1 s resolution and the round trip). */
  uncertaintyMs: number;
}

export interface CheckDefinition {
  /** Stable, grouped: 'order.concurrent-senders'. */
  id: string;
  title: string;
  /** The contract guarantee or rule it holds the server to, e.g. 'contract §6.1 Order'. */
  guarantee: string;
  /** Upper bound for one run; default 30 s. */
  timeoutMs?: number;
  /**
   * Its waits grow with the target's own timing (the presence TTL): `--max-wait` may raise its
   * timeout, and it skips (saying so) when the target needs more than `ctx.timeoutMs`.
   */
  longWaits?: boolean;
  /** The guarantees (a target profile's capabilities) it holds the server to; not claimed → not-applicable. */
  requires?: readonly Capability[];
  /** How bad a failure is; reported with every result of this check. */
  severity?: Severity;
  /** What to change in the server when it fails: reported with every result of this check. */
  fixHint?: string;
  run(ctx: CheckContext): Promise<void | { skipped: string }>;
}

/** Thrown to fail a check at once with evidence. */
export class CheckFailed extends Error {
  readonly evidence: string[];
  constructor(...evidence: string[]) {
    super(evidence.join('; '));
    this.name = 'CheckFailed';
    this.evidence = evidence;
  }
}
