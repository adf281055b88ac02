import { randomBytes } from 'node:crypto';
import type { TokenProvider } from '../client/http.ts';
import { createSecretTokenProvider, loadTokenModule } from '../client/tokens.ts';
import type { SessionPayload } from '../contract/index.ts';
import { BazaarError } from '../errors.ts';
import { startEmbeddedServer } from '../lab/embedded-server.ts';
import { startReferenceCluster } from '../lab/cluster.ts';
import type { AdapterName } from '../../reference-server/index.ts';
import { claimedCapabilities, notApplicableReason } from '../target/capabilities.ts';
import { CONTRACT_PROFILE } from '../target/contract-profile.ts';
import { createTarget, type Target } from '../target/target.ts';
import type { TargetProfile } from '../target/types.ts';
import { createCheckContext, type CheckTarget } from './context.ts';
import { probeContractTarget, probeProfileTarget } from '../target/probe-target.ts';
import { describeAbort } from './probe-client.ts';
import { ALL_CHECKS, selectChecks, selectPreset } from './suite.ts';
import { CheckFailed, type CheckDefinition, type CheckResult } from './types.ts';

export interface CheckOptions {
  /** Server to check; default: the profile's url, else the bundled reference server (one node, in memory). */
  target?: string;
  /**
   * How the server speaks (src/target/, docs/profiles.md); default the contract's dialect. Checks
   * whose capability the profile does not claim are `not-applicable`.
   */
  profile?: TargetProfile;
  jwtSecret?: string;
  tokenModule?: string;
  /** Run only matching checks: 'authz.*', several comma-separated. */
  only?: string;
  /** A named selection (src/checks/suite.ts CHECK_PRESETS), e.g. 'security'; `only` narrows it. */
  preset?: string;
  /** Embedded server only: start it with this deliberate defect. */
  defect?: string;
  /** Without a target: check a cluster of this many reference nodes started for the purpose. */
  nodes?: number;
  /** The cluster's Redis (default: REDIS_URL, else a throwaway redis-server or Docker container). */
  redis?: string;
  adapter?: AdapterName;
  /** The checks to choose from (default: the whole suite). */
  checks?: readonly CheckDefinition[];
  /**
   * The longest a check whose waits grow with the target's timing (presence) may run; default
   * each check's own timeoutMs. Below what the target needs, such a check skips and says so.
   */
  maxWaitMs?: number;
  /** A skipped check makes the report not passed (CI: "not proven" is not green). */
  failOnSkip?: boolean;
  /** Stops the run (Ctrl-C): the running check is stopped, the rest are not started, and the report comes back marked partial. */
  signal?: AbortSignal;
  onCheckStart?(check: CheckDefinition): void;
  onCheckDone?(result: CheckResult): void;
  /** The report so far, after each check (partial: true): write it, and a crash still leaves a report. */
  onSnapshot?(report: CheckReport): void;
}

export interface CheckReport {
  target: string;
  /** The target profile's name ('contract' for the contract's own dialect). */
  profile?: string;
  embedded: boolean;
  defect?: string;
  startedAt: string;
  durationMs: number;
  /** The presence timing the checks used; absent when the target claims no presence (its profile says so). */
  presence?: { ttlMs: number; heartbeatMs: number; sweepMs: number };
  /** Nodes of the cluster checked (1 for a single server). */
  nodes: number;
  checks: CheckResult[];
  /** No check failed or errored, none was interrupted, and (with failOnSkip) none skipped. */
  passed: boolean;
  /** Not every selected check ran to a verdict: the run was interrupted (or this is a snapshot). */
  partial: boolean;
  /** Why the run stopped early, e.g. 'interrupted by SIGINT'. */
  interrupted?: string;
  failOnSkip: boolean;
  maxWaitMs?: number;
}

/** Embedded server presence: short, so presence checks take seconds, not minutes. */
const EMBEDDED_PRESENCE = { presenceTtlMs: 2_000, presenceHeartbeatMs: 500, presenceSweepMs: 200 };
const ASSUMED_SWEEP_MS = 5_000;
const DEFAULT_CHECK_TIMEOUT_MS = 30_000;
/** After stopping a check: how long its own cleanup (finally blocks) may take before the next check starts. */
const STOP_GRACE_MS = 1_000;

/** The time limit of one check: --max-wait raises it for checks whose waits grow with the target. */
export function checkTimeoutMs(check: CheckDefinition, maxWaitMs: number | undefined): number {
  const own = check.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  return check.longWaits && maxWaitMs !== undefined ? Math.max(own, maxWaitMs) : own;
}

type Settled = { kind: 'done'; outcome: void | { skipped: string } } | { kind: 'threw'; error: unknown } | { kind: 'timeout' } | { kind: 'interrupted' };

/** Resolves after ms, or at once on `cancel()`, which also clears its timer (nothing lingers). */
function pause(ms: number): { done: Promise<void>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  let cancel = () => {};
  const done = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    cancel = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  return { done, cancel };
}

/** What every result of a check repeats from its definition (severity and fix hint only when it has them). */
function describeCheck(check: CheckDefinition): Pick<CheckResult, 'id' | 'title' | 'guarantee' | 'severity' | 'fixHint'> {
  return {
    id: check.id,
    title: check.title,
    guarantee: check.guarantee,
    ...(check.severity ? { severity: check.severity } : {}),
    ...(check.fixHint ? { fixHint: check.fixHint } : {}),
  };
}

/**
 * Run one check within its time limit. A check that times out or is interrupted is stopped,
 * not abandoned: its signal aborts (sleeps, waits, connects and HTTP calls end), every probe it
 * opened is closed, and it gets a moment to finish its cleanup before the next check starts.
 */
async function runOne(check: CheckDefinition, target: CheckTarget, prefix: string, timeoutMs: number, runSignal: AbortSignal | undefined): Promise<CheckResult> {
  const stop = new AbortController();
  const ctx = createCheckContext(target, prefix, { signal: stop.signal, timeoutMs });
  const started = Date.now();
  const base = describeCheck(check);
  const elapsed = () => Date.now() - started;
  // Promise.resolve().then: a run() that throws synchronously is a rejection like any other
  const running: Promise<Settled> = Promise.resolve()
    .then(() => check.run(ctx))
    .then((outcome) => ({ kind: 'done', outcome }) as const, (error: unknown) => ({ kind: 'threw', error }) as const);
  let timer: NodeJS.Timeout | undefined;
  let onInterrupt = () => {};
  const limit = new Promise<Settled>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'timeout' }), timeoutMs);
    onInterrupt = () => resolve({ kind: 'interrupted' });
    if (runSignal?.aborted) onInterrupt();
    runSignal?.addEventListener('abort', onInterrupt, { once: true });
  });
  const settled = await Promise.race([running, limit]);
  clearTimeout(timer);
  runSignal?.removeEventListener('abort', onInterrupt);
  // The verdict is what was seen until now: a stopped check's last gasps (acks on closed probes) are not evidence.
  const durationMs = elapsed();
  const evidence = [...ctx.evidence];
  if (ctx.notes.length) Object.assign(base, { notes: [...ctx.notes] });
  if (settled.kind === 'timeout' || settled.kind === 'interrupted') {
    stop.abort(settled.kind === 'timeout' ? new Error(`it did not finish within ${timeoutMs} ms`) : new Error(describeAbort(runSignal)));
    ctx.close();
    const grace = pause(STOP_GRACE_MS);
    await Promise.race([running, grace.done]);
    grace.cancel();
  } else {
    stop.abort(new Error('it ended'));
  }
  ctx.close();

  switch (settled.kind) {
    case 'done':
      if (settled.outcome && 'skipped' in settled.outcome) {
        return { ...base, status: 'skipped', durationMs, evidence: [settled.outcome.skipped], reason: settled.outcome.skipped };
      }
      return { ...base, status: evidence.length ? 'failed' : 'passed', durationMs, evidence };
    case 'threw': {
      const { error } = settled;
      const lines = error instanceof CheckFailed ? error.evidence : [`the check could not complete: ${(error as Error).message}`];
      return { ...base, status: error instanceof CheckFailed ? 'failed' : 'error', durationMs, evidence: [...evidence, ...lines] };
    }
    case 'timeout':
      return {
        ...base,
        status: 'failed',
        durationMs,
        evidence: [...evidence, `the check did not finish within ${timeoutMs} ms (the server stopped answering?); it was stopped and its connections closed`],
      };
    case 'interrupted': {
      const reason = `${describeAbort(runSignal)} ${durationMs} ms into the check: no verdict`;
      // What it had already seen stays in the report, after the reason.
      return { ...base, status: 'interrupted', durationMs, evidence: [reason, ...evidence], reason };
    }
  }
}

/** A check the run never started because it was interrupted first. */
function notStarted(check: CheckDefinition, runSignal: AbortSignal | undefined): CheckResult {
  const reason = `not started: ${describeAbort(runSignal)}`;
  return { ...describeCheck(check), status: 'interrupted', durationMs: 0, evidence: [reason], reason };
}

/** The verdict over results: a skip fails it only when asked to; a not-applicable check never does (the app never claimed it). */
export function checksPassed(results: readonly CheckResult[], failOnSkip: boolean): boolean {
  return results.every((r) => r.status === 'passed' || r.status === 'not-applicable' || (r.status === 'skipped' && !failOnSkip));
}

/** A check the target's profile does not claim the guarantee of: not run. */
function notApplicable(check: CheckDefinition, reason: string): CheckResult {
  return { ...describeCheck(check), status: 'not-applicable', durationMs: 0, evidence: [reason], reason };
}

/**
 * Hold a server to docs/contract.md: run the selected checks one after another, each with its
 * own users, and say for each failure exactly what was sent and what was observed.
 */
export async function runChecks(options: CheckOptions = {}): Promise<CheckReport> {
  const checks = options.preset !== undefined ? selectPreset(options.preset, options.only, options.checks ?? ALL_CHECKS) : selectChecks(options.only, options.checks ?? ALL_CHECKS);
  if (checks.length === 0) {
    throw new BazaarError('BAZAAR_NO_CHECKS', `--only "${options.only}"${options.preset ? ` within --preset ${options.preset}` : ''} matches no check`, 'use a group like "authz.*" (see docs/checks.md for every id)');
  }
  const profile = options.profile;
  const dialect = profile !== undefined && profile.identity.type !== 'contract';
  const targetUrl = options.target ?? profile?.url;
  if (dialect && !targetUrl) {
    throw new BazaarError('BAZAAR_BAD_OPTIONS', `the target profile "${profile!.name}" has no url and no --target was given`, 'pass --target URL, or set url in the profile: the bundled reference server speaks the contract, not this profile');
  }
  if (targetUrl && !dialect && !options.jwtSecret && !options.tokenModule) {
    throw new BazaarError('BAZAAR_NO_SECRET', `no way to mint tokens for ${options.target}`,
      'pass --jwt-secret S (the server\'s HS256 secret), or --token-module FILE for servers with their own login');
  }
  if (targetUrl && options.defect) {
    throw new BazaarError('BAZAAR_BAD_OPTIONS', '--defect applies to the embedded reference server only',
      'leave out --target, or start your own defective server with bazaar serve --defect NAME');
  }
  if (options.defect && (options.nodes ?? 1) > 1) {
    throw new BazaarError('BAZAAR_BAD_OPTIONS', '--defect runs on one node in memory', 'leave out --nodes, or leave out --defect');
  }
  if (options.maxWaitMs !== undefined && !(options.maxWaitMs > 0 && Number.isFinite(options.maxWaitMs))) {
    throw new BazaarError('BAZAAR_BAD_OPTIONS', `maxWaitMs ${options.maxWaitMs} is not a positive number of milliseconds`, 'pass e.g. --max-wait 5m');
  }
  const startedAt = new Date();
  const server = targetUrl
    ? undefined
    : (options.nodes ?? 1) > 1
      ? await startReferenceCluster({
          nodes: options.nodes as number,
          ...(options.redis ? { redisUrl: options.redis } : {}),
          adapter: options.adapter ?? 'redis',
          // recovery.* runs wherever the adapter can keep sessions, and skips (saying so) elsewhere
          recovery: options.adapter === 'streams',
          // its own key prefix, so a shared Redis keeps clusters apart
          prefix: `bazaar-check-${randomBytes(4).toString('hex')}`,
          ...EMBEDDED_PRESENCE,
        })
      : await startEmbeddedServer({ ...EMBEDDED_PRESENCE, recovery: true, ...(options.defect ? { defect: options.defect } : {}) });
  try {
    const url = (targetUrl ?? server?.url ?? '').replace(/\/$/, '');
    const jwtSecret = dialect ? undefined : (options.jwtSecret ?? server?.jwtSecret);
    const runId = `k${randomBytes(3).toString('hex')}`;
    let token: TokenProvider;
    let session: SessionPayload | undefined;
    let resolved: Target | undefined;
    if (dialect) {
      resolved = createTarget(profile, { url });
      token = resolved.identity.tokenProvider;
      session = await probeProfileTarget(resolved, `${runId}-session`);
    } else {
      token = options.tokenModule ? await loadTokenModule(options.tokenModule) : createSecretTokenProvider(jwtSecret as string);
      if (!URL.canParse(url)) throw new BazaarError('BAZAAR_BAD_TARGET', `--target "${url}" is not a URL`, 'write it like http://127.0.0.1:3000');
      session = await probeContractTarget(url, token, `${runId}-session`);
    }
    const presence = {
      ttlMs: session?.presence?.ttlMs ?? profile?.presence?.ttlMs ?? 60_000,
      heartbeatMs: session?.presence?.heartbeatMs ?? profile?.presence?.heartbeatMs ?? 20_000,
      sweepMs: session?.presence?.sweepMs ?? profile?.presence?.sweepMs ?? ASSUMED_SWEEP_MS,
    };
    const target: CheckTarget = { url, token, jwtSecret, presence, session, ...(resolved ? { dialect: resolved } : {}) };
    // The contract's own dialect claims every guarantee but a cookie session (src/target/capabilities.ts).
    const claimed = resolved?.capabilities ?? claimedCapabilities(CONTRACT_PROFILE);
    const results: CheckResult[] = [];
    const failOnSkip = options.failOnSkip === true;
    const report = (snapshot: boolean): CheckReport => {
      const partial = snapshot || results.some((r) => r.status === 'interrupted');
      return {
        target: url,
        profile: profile?.name ?? 'contract',
        embedded: !targetUrl,
        ...(options.defect ? { defect: options.defect } : {}),
        startedAt: startedAt.toISOString(),
        durationMs: Date.now() - startedAt.getTime(),
        ...(claimed.has('presence') ? { presence } : {}),
        nodes: targetUrl ? 1 : (options.nodes ?? 1),
        checks: [...results],
        passed: !partial && checksPassed(results, failOnSkip),
        partial,
        ...(options.signal?.aborted && partial ? { interrupted: describeAbort(options.signal) } : {}),
        failOnSkip,
        ...(options.maxWaitMs !== undefined ? { maxWaitMs: options.maxWaitMs } : {}),
      };
    };
    for (const [index, check] of checks.entries()) {
      if (options.signal?.aborted) {
        results.push(notStarted(check, options.signal));
        continue;
      }
      const inapplicable = notApplicableReason(check.requires, claimed, profile?.name ?? CONTRACT_PROFILE.name);
      if (inapplicable) {
        const result = notApplicable(check, inapplicable);
        results.push(result);
        options.onCheckDone?.(result);
        continue;
      }
      options.onCheckStart?.(check);
      const result = await runOne(check, target, `${runId}${index.toString(36)}`, checkTimeoutMs(check, options.maxWaitMs), options.signal);
      results.push(result);
      options.onCheckDone?.(result);
      if (index < checks.length - 1) options.onSnapshot?.(report(true));
    }
    return report(false);
  } finally {
    await server?.close();
  }
}
