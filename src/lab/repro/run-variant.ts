import { BazaarError } from '../../errors.ts';
import { startRun } from '../../engine/run.ts';
import type { ReproOptions } from './run-repro.ts';
import { startNodeSampler, watchEveryNode, watchedCounters } from './node-sampler.ts';
import { scrapeServerCounters } from './server-counters.ts';
import { clusterSettings, startTopology } from './topology.ts';
import type { ReproEntry, ReproLoad, ReproSize, ReproVariant, VariantOutcome } from './types.ts';

/**
 * One variant of an entry: start its topology, play the load, judge the signature, close
 * everything. A variant with faults has the run start the cluster (the fault lab).
 */
export async function runVariant(
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
    const sampler = startNodeSampler();
    sampler.watch(topology.metricsUrls);
    const run = await startRun({
      scenario: load.scenario,
      target: topology.url,
      jwtSecret: topology.jwtSecret,
      reportDir: false,
      ...(load.scale !== undefined ? { scale: load.scale } : {}),
      ...(load.durationMs !== undefined ? { durationMs: load.durationMs } : {}),
      ...(load.transport ? { transport: load.transport } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    }).finally(() => sampler.stop());
    const nodes = await sampler.stop();
    const { counters } = await scrapeServerCounters(topology.metricsUrls);
    const match = entry.signature.detect({ run, server: counters, nodes, topology: variant.topology, size });
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
  // The run starts the cluster: its nodes are watched from the moment they are up, and so is a node restart-node brings back.
  const sampler = startNodeSampler();
  const run = await startRun({
    scenario: load.scenario,
    nodes: t.nodes,
    adapter: t.adapter ?? 'redis',
    fanout: t.fanout ?? 'ordered',
    cluster: { ...clusterSettings(t), ...watchEveryNode(sampler) },
    faults,
    reportDir: false,
    ...(redisUrl && !touchesRedis ? { redis: redisUrl } : {}),
    ...(load.scale !== undefined ? { scale: load.scale } : {}),
    ...(load.durationMs !== undefined ? { durationMs: load.durationMs } : {}),
    ...(load.transport ? { transport: load.transport } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    onNotice: (message) => {
      if (message.startsWith('fault: ')) sampler.markFault();
      if (message.startsWith('fault')) notice(`${role}: ${message}`);
    },
  }).finally(() => sampler.stop());
  const nodes = await sampler.stop();
  const match = entry.signature.detect({ run, server: watchedCounters(nodes), nodes, topology: t, size });
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
  if (t.presenceStore === 'node-memory') parts.push("presence in each node's memory");
  if (t.streamMaxLen) parts.push(`stream MAXLEN ${t.streamMaxLen}`);
  return parts.join(', ');
}
