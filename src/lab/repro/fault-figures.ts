import type { RunResult } from '../../engine/run.ts';
import type { FaultEvent, FaultImpact } from '../faults/index.ts';
import type { ServerCounters } from './types.ts';

/** The impact of the run's first fault (the entries inject one), or an error naming what went wrong. */
export function firstImpact(run: RunResult): FaultImpact {
  const event = run.faults?.[0];
  if (!event) throw new Error(`the run injected no fault (status ${run.status}${run.reason ? `: ${run.reason}` : ''})`);
  if (!event.applied) throw new Error(`fault '${event.label}' could not be injected: ${event.error ?? 'no reason given'}`);
  const impact = run.faultImpact?.[0];
  if (!impact) throw new Error(`fault '${event.label}' has no impact analysis`);
  return impact;
}

/** Every fault the run played, in order, or an error naming the first that could not be injected. */
export function appliedFaults(run: RunResult): FaultEvent[] {
  const events = run.faults ?? [];
  if (events.length === 0) throw new Error(`the run injected no fault (status ${run.status}${run.reason ? `: ${run.reason}` : ''})`);
  const failed = events.find((e) => !e.applied);
  if (failed) throw new Error(`fault '${failed.label}' could not be injected: ${failed.error ?? 'no reason given'}`);
  return [...events].sort((a, b) => a.atMs - b.atMs);
}

export function formatMs(ms: number | undefined | null): string {
  if (ms === undefined || ms === null) return 'n/a';
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

export function formatReasons(counts: Record<string, number>): string {
  const entries = Object.entries(counts).filter(([, n]) => n > 0);
  return entries.length === 0 ? 'none' : entries.map(([reason, n]) => `${reason} ×${n}`).join(', ');
}

/** The nodes' own disconnect counters (each node's last scrape in a run with faults), for the figures. */
export function serverReasons(server: ServerCounters | undefined): string {
  return server ? formatReasons(server.disconnects) : 'not scraped';
}
