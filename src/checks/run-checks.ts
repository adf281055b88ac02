import { randomBytes } from 'node:crypto';
import type { TokenProvider } from '../client/http.ts';
import { createSecretTokenProvider, loadTokenModule } from '../client/tokens.ts';
import type { SessionPayload } from '../contract/index.ts';
import { BazaarError } from '../errors.ts';
import { startEmbeddedServer } from '../lab/embedded-server.ts';
import { startReferenceCluster } from '../lab/cluster.ts';
import type { AdapterName } from '../../reference-server/index.ts';
import { createCheckContext, type CheckTarget } from './context.ts';
import { openProbe } from './probe-client.ts';
import { ALL_CHECKS, selectChecks } from './suite.ts';
import { CheckFailed, type CheckDefinition, type CheckResult } from './types.ts';

export interface CheckOptions {
  /** Server to check; default: the bundled reference server (one node, in memory). */
  target?: string;
  jwtSecret?: string;
  tokenModule?: string;
  /** Run only matching checks: 'authz.*', several comma-separated. */
  only?: string;
  /** Embedded server only: start it with this deliberate defect. */
  defect?: string;
  /** Without a target: check a cluster of this many reference nodes started for the purpose. */
  nodes?: number;
  /** The cluster's Redis (default: REDIS_URL, else a throwaway redis-server or Docker container). */
  redis?: string;
  adapter?: AdapterName;
  /** The checks to choose from (default: the whole suite). */
  checks?: readonly CheckDefinition[];
  onCheckStart?(check: CheckDefinition): void;
  onCheckDone?(result: CheckResult): void;
}

export interface CheckReport {
  target: string;
  embedded: boolean;
  defect?: string;
  startedAt: string;
  durationMs: number;
  presence: { ttlMs: number; heartbeatMs: number; sweepMs: number };
  /** Nodes of the cluster checked (1 for a single server). */
  nodes: number;
  checks: CheckResult[];
  passed: boolean;
}

/** Embedded server presence: short, so presence checks take seconds, not minutes. */
const EMBEDDED_PRESENCE = { presenceTtlMs: 2_000, presenceHeartbeatMs: 500, presenceSweepMs: 200 };
const ASSUMED_SWEEP_MS = 5_000;
const DEFAULT_CHECK_TIMEOUT_MS = 30_000;

async function readSession(url: string, token: TokenProvider, runId: string): Promise<SessionPayload | undefined> {
  const userId = `${runId}-session`;
  let probe;
  try {
    probe = await openProbe(url, `${userId}@c0`, { auth: { token: await token(userId, 'buyer') } });
  } catch (error) {
    const message = (error as Error).message;
    if (message === 'unauthorized') {
      throw new BazaarError('BAZAAR_BAD_SECRET', `${url} refused a token minted for the check (connect_error "unauthorized")`,
        'pass the server\'s HS256 secret with --jwt-secret (or JWT_SECRET), or a --token-module that logs in');
    }
    throw new BazaarError('BAZAAR_TARGET_UNREACHABLE', `cannot open a Socket.IO connection to ${url}: ${message}`,
      'check --target (the server must serve Socket.IO at /socket.io/), or leave it out to check the bundled reference server');
  }
  try {
    return await probe.waitFor<SessionPayload>('session', () => true, 3_000);
  } finally {
    probe.close();
  }
}

async function checkReachable(url: string): Promise<void> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5_000) });
    await res.arrayBuffer();
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new BazaarError('BAZAAR_TARGET_UNREACHABLE', `cannot reach ${url}: ${cause}`,
      'start the server first, or leave out --target to check the bundled reference server');
  }
}

async function runOne(check: CheckDefinition, target: CheckTarget, prefix: string): Promise<CheckResult> {
  const ctx = createCheckContext(target, prefix);
  const started = Date.now();
  const timeoutMs = check.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const base = { id: check.id, title: check.title, guarantee: check.guarantee };
  try {
    const outcome = await Promise.race([
      check.run(ctx),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new CheckFailed(`the check did not finish within ${timeoutMs} ms (the server stopped answering?)`)), timeoutMs);
      }),
    ]);
    if (outcome && 'skipped' in outcome) return { ...base, status: 'skipped', durationMs: Date.now() - started, evidence: [outcome.skipped] };
    const status = ctx.evidence.length ? 'failed' : 'passed';
    return { ...base, status, durationMs: Date.now() - started, evidence: ctx.evidence };
  } catch (error) {
    const evidence = error instanceof CheckFailed ? [...ctx.evidence, ...error.evidence] : [...ctx.evidence, `the check could not complete: ${(error as Error).message}`];
    return { ...base, status: error instanceof CheckFailed ? 'failed' : 'error', durationMs: Date.now() - started, evidence };
  } finally {
    clearTimeout(timer);
    ctx.close();
  }
}

/**
 * Hold a server to docs/contract.md: run the selected checks one after another, each with its
 * own users, and say for each failure exactly what was sent and what was observed.
 */
export async function runChecks(options: CheckOptions = {}): Promise<CheckReport> {
  const checks = selectChecks(options.only, options.checks ?? ALL_CHECKS);
  if (checks.length === 0) {
    throw new BazaarError('BAZAAR_NO_CHECKS', `--only "${options.only}" matches no check`, 'use a group like "authz.*" (see docs/checks.md for every id)');
  }
  if (options.target && !options.jwtSecret && !options.tokenModule) {
    throw new BazaarError('BAZAAR_NO_SECRET', `no way to mint tokens for ${options.target}`,
      'pass --jwt-secret S (the server\'s HS256 secret), or --token-module FILE for servers with their own login');
  }
  if (options.target && options.defect) {
    throw new BazaarError('BAZAAR_BAD_OPTIONS', '--defect applies to the embedded reference server only',
      'leave out --target, or start your own defective server with bazaar serve --defect NAME');
  }
  if (options.defect && (options.nodes ?? 1) > 1) {
    throw new BazaarError('BAZAAR_BAD_OPTIONS', '--defect runs on one node in memory', 'leave out --nodes, or leave out --defect');
  }
  const startedAt = new Date();
  const server = options.target
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
    const url = (options.target ?? server?.url ?? '').replace(/\/$/, '');
    const jwtSecret = options.jwtSecret ?? server?.jwtSecret;
    await checkReachable(url);
    const token = options.tokenModule ? await loadTokenModule(options.tokenModule) : createSecretTokenProvider(jwtSecret as string);
    const runId = `k${randomBytes(3).toString('hex')}`;
    const session = await readSession(url, token, runId);
    const presence = {
      ttlMs: session?.presence.ttlMs ?? 60_000,
      heartbeatMs: session?.presence.heartbeatMs ?? 20_000,
      sweepMs: session?.presence.sweepMs ?? ASSUMED_SWEEP_MS,
    };
    const target: CheckTarget = { url, token, jwtSecret, presence, session };
    const results: CheckResult[] = [];
    for (const [index, check] of checks.entries()) {
      options.onCheckStart?.(check);
      const result = await runOne(check, target, `${runId}${index.toString(36)}`);
      results.push(result);
      options.onCheckDone?.(result);
    }
    return {
      target: url,
      embedded: !options.target,
      ...(options.defect ? { defect: options.defect } : {}),
      startedAt: startedAt.toISOString(),
      durationMs: Date.now() - startedAt.getTime(),
      presence,
      nodes: options.target ? 1 : (options.nodes ?? 1),
      checks: results,
      passed: results.every((r) => r.status === 'passed' || r.status === 'skipped'),
    };
  } finally {
    await server?.close();
  }
}
