import { BazaarError } from '../../errors.ts';
import { startRun } from '../../engine/run.ts';
import { closest } from '../../util/closest.ts';
import { findHaproxy } from '../haproxy.ts';
import { provideRedis, type ProvidedRedis } from '../redis-provider.ts';
import { REPROS } from './catalog.ts';
import { scrapeServerCounters } from './server-counters.ts';
import { clusterSettings, startTopology } from './topology.ts';
import type { ReproEntry, ReproLoad, ReproReport, ReproSize, ReproVariant, VariantOutcome } from './types.ts';

export interface ReproOptions {
  /** Multiply the entry's users and rates (its default size is 1). */
  scale?: number;
  /** The load's length; default the entry's own. */
  durationMs?: number;
  /** Redis for the entries that need it; default REDIS_URL, else a throwaway redis-server or container. */
  redisUrl?: string;
  /** Run only the bug variant (no fix run). */
  skipFix?: boolean;
  /** Stops the variant in progress (Ctrl-C); what ran is reported. */
  signal?: AbortSignal;
  /** Messages for a person: what the repro is doing. */
  onNotice?(message: string): void;
  /** Environment to look for haproxy / redis-server in; default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** The catalog, in the order the list shows it. */
export function listRepros(): readonly ReproEntry[] {
  return REPROS;
}

/** The entry of that name, or an error that names the catalog. */
export function findRepro(name: string): ReproEntry {
  const entry = REPROS.find((e) => e.name === name);
  if (entry) return entry;
  const guess = closest(name, REPROS.map((e) => e.name));
  throw new BazaarError('BAZAAR_UNKNOWN_REPRO', `no repro "${name}"${guess ? ` (did you mean "${guess}"?)` : ''}`,
    `choose one of: ${REPROS.map((e) => e.name).join(', ')} (npx bazaar repro lists them)`);
}

/** What is missing on this machine for the entry, in words a person can act on; undefined when nothing is. */
export async function missingNeeds(entry: ReproEntry, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (entry.needs.includes('haproxy') && !(await findHaproxy(env))) {
    return `${entry.name} needs the haproxy binary, and it is not on PATH: install it (Debian/Ubuntu: apt-get install haproxy)`;
  }
  return undefined;
}

/**
 * Reproduce one catalog entry: start the bug variant's topology, play the load, look for the
 * signature; then the same with the documented fix. Everything started is closed before it
 * returns or throws.
 */
export async function runRepro(name: string, options: ReproOptions = {}): Promise<ReproReport> {
  const entry = findRepro(name);
  if (options.scale !== undefined && !(options.scale > 0)) {
    throw new BazaarError('BAZAAR_BAD_SCALE', `--scale must be above 0, got ${options.scale}`, 'e.g. --scale 0.1 for a tenth of the load');
  }
  const size: ReproSize = {
    scale: options.scale ?? entry.defaultSize.scale,
    durationMs: options.durationMs ?? entry.defaultSize.durationMs,
  };
  const base: ReproReport = {
    name: entry.name,
    summary: entry.summary,
    verdict: 'skipped',
    size,
    signature: entry.signature.describe,
    doc: `docs/repro/${entry.name}.md`,
    links: entry.links,
  };
  const missing = await missingNeeds(entry, options.env);
  if (missing) return { ...base, skipped: missing };

  const notice = options.onNotice ?? (() => {});
  let redis: ProvidedRedis | undefined;
  try {
    // A cluster variant without faults runs on this Redis; one with faults gets Redis from the run (the lab's own when a fault breaks it).
    const needsRedis = !entry.load(size, 'bug').faults?.length && [entry.bug, entry.fix].some((v) => v.topology.nodes >= 2);
    if (needsRedis) redis = await provideRedis({ ...(options.redisUrl ? { url: options.redisUrl } : {}), ...(options.env ? { env: options.env } : {}) });
    const run = (variant: ReproVariant, role: 'bug' | 'fix') =>
      runVariant(entry, { ...variant, topology: entry.topologyFor?.(role, size) ?? variant.topology }, role, size, redis?.url, options, notice);
    const bug = await run(entry.bug, 'bug');
    // A load stopped early says nothing either way: the report keeps what was seen.
    if (options.signal?.aborted) return { ...base, verdict: 'interrupted', bug };
    if (!bug.match.present) return { ...base, verdict: 'not-reproduced', bug };
    if (options.skipFix) return { ...base, verdict: 'reproduced-fixed', bug };
    const fix = await run(entry.fix, 'fix');
    if (options.signal?.aborted) return { ...base, verdict: 'interrupted', bug, fix };
    return { ...base, verdict: fix.match.present ? 'fix-did-not-clear' : 'reproduced-fixed', bug, fix };
  } finally {
    await redis?.close();
  }
}

async function runVariant(
  entry: ReproEntry,
  variant: ReproVariant,
  role: 'bug' | 'fix',
  size: ReproSize,
  redisUrl: string | undefined,
  options: ReproOptions,
  notice: (message: string) => void,
): Promise<VariantOutcome> {
  const load = entry.load(size, role);
  if (load.faults && load.faults.length > 0) return runVariantWithFaults(variant, role, size, load, entry, redisUrl, options, notice);
  notice(`${role}: starting ${describeTopology(variant)} (${variant.label})`);
  const topology = await startTopology(variant.topology, {
    ...(redisUrl ? { redisUrl } : {}),
    prefix: `bazaar-repro-${entry.name}-${role}-${Date.now().toString(36)}`,
  });
  try {
    const pids = topology.nodes.map((n) => n.pid).filter((pid) => pid > 0);
    notice(`${role}: playing the load on ${topology.url}${pids.length > 0 ? ` (node pids ${pids.join(' ')})` : ''}`);
    const run = await startRun({
      scenario: load.scenario,
      target: topology.url,
      jwtSecret: topology.jwtSecret,
      reportDir: false,
      ...(load.scale !== undefined ? { scale: load.scale } : {}),
      ...(load.durationMs !== undefined ? { durationMs: load.durationMs } : {}),
      ...(load.transport ? { transport: load.transport } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const { counters } = await scrapeServerCounters(topology.metricsUrls);
    const match = entry.signature.detect({ run, server: counters, topology: variant.topology, size });
    return { label: variant.label, topology: variant.topology, match, runStatus: run.status, durationMs: run.durationMs, nodes: topology.nodes };
  } finally {
    await topology.close();
  }
}

/**
 * A variant with faults: the run starts the cluster itself (the fault lab: its own Redis when a
 * fault acts on Redis, proxies on the links a fault acts on) and plays the faults on its clock.
 */
async function runVariantWithFaults(
  variant: ReproVariant,
  role: 'bug' | 'fix',
  size: ReproSize,
  load: ReproLoad,
  entry: ReproEntry,
  redisUrl: string | undefined,
  options: ReproOptions,
  notice: (message: string) => void,
): Promise<VariantOutcome> {
  const t = variant.topology;
  if (t.nodes < 2 || t.haproxy) {
    throw new BazaarError('BAZAAR_BAD_OPTIONS', `repro ${entry.name}: faults run on a cluster of 2 or more nodes without custom HAProxy timeouts`);
  }
  const faults = load.faults ?? [];
  // A fault on Redis needs a Redis the lab started (it restarts or freezes it): never the given one.
  const touchesRedis = faults.some((f) => /\bredis\b/.test(f.split(' ').slice(0, 2).join(' ')));
  notice(`${role}: ${describeTopology(variant)} (${variant.label}); faults: ${faults.join(', ')}`);
  const run = await startRun({
    scenario: load.scenario,
    nodes: t.nodes,
    adapter: t.adapter ?? 'redis',
    fanout: t.fanout ?? 'ordered',
    cluster: clusterSettings(t),
    faults,
    reportDir: false,
    ...(redisUrl && !touchesRedis ? { redis: redisUrl } : {}),
    ...(load.scale !== undefined ? { scale: load.scale } : {}),
    ...(load.durationMs !== undefined ? { durationMs: load.durationMs } : {}),
    ...(load.transport ? { transport: load.transport } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    onNotice: (message) => {
      if (message.startsWith('fault')) notice(`${role}: ${message}`);
    },
  });
  const match = entry.signature.detect({ run, server: undefined, topology: t, size });
  return { label: variant.label, topology: t, match, runStatus: run.status, durationMs: run.durationMs, nodes: [] };
}

/** e.g. '3 nodes, redis adapter, sticky entry, adapter fan-out'. */
export function describeTopology(variant: ReproVariant): string {
  const t = variant.topology;
  if (t.nodes < 2) {
    const parts = ['1 node in memory'];
    if (t.pingIntervalMs) parts.push(`pingInterval ${t.pingIntervalMs} ms`);
    if (t.haproxy) parts.push(`HAProxy entry (timeout client ${t.haproxy.clientMs ?? 60_000} ms, tunnel ${t.haproxy.tunnelMs === null ? 'unset' : `${t.haproxy.tunnelMs ?? 3_600_000} ms`})`);
    return parts.join(', ');
  }
  const entry = { sticky: 'sticky entry', haproxy: 'HAProxy entry', none: 'round-robin entry' }[t.lb ?? 'sticky'];
  const parts = [`${t.nodes} nodes`, `${t.adapter ?? 'redis'} adapter`, entry, `${t.fanout ?? 'ordered'} fan-out`];
  if (t.recovery) parts.push('connection state recovery');
  if (t.pingIntervalMs || t.pingTimeoutMs) parts.push(`pingInterval ${t.pingIntervalMs ?? 25_000} ms, pingTimeout ${t.pingTimeoutMs ?? 20_000} ms`);
  if (t.presenceTtlMs) parts.push(`presence TTL ${t.presenceTtlMs} ms`);
  if (t.streamMaxLen) parts.push(`stream MAXLEN ${t.streamMaxLen}`);
  return parts.join(', ');
}
