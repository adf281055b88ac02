import { type RunViolations, type ViolationRecord } from '../../checks/violations.ts';
import { mergeSnapshots, type MetricsSnapshot } from '../../metrics/snapshot.ts';
import type { GeneratorHealth } from '../generator-health.ts';
import type { WorkerReport } from './protocol.ts';

/** The run as every worker's latest report tells it, merged exactly (pure). */
export interface MergedReports {
  metrics: MetricsSnapshot;
  violations: RunViolations;
  generator: GeneratorHealth;
  vus: number;
  liveUsers: number;
  connectedUsers: number;
}

/**
 * Histograms merged from their encodings (never averaged percentiles: src/metrics/snapshot.ts),
 * counters summed, violations counted over every worker with the first evidence records of each
 * kind by time, and the generator saturated when any worker was.
 */
export function mergeWorkerReports(reports: WorkerReport[]): MergedReports {
  return {
    metrics: reports.reduce<MetricsSnapshot>((merged, r) => mergeSnapshots(merged, r.metrics), { latencies: [], counters: [] }),
    violations: mergeViolations(reports.map((r) => r.violations)),
    generator: mergeGeneratorHealth(reports.map((r) => ({ worker: r.worker, health: r.generator }))),
    vus: reports.reduce((sum, r) => sum + r.vus, 0),
    liveUsers: reports.reduce((sum, r) => sum + r.liveUsers, 0),
    connectedUsers: reports.reduce((sum, r) => sum + (r.connectedUsers ?? 0), 0),
  };
}

/** Counts summed per kind; evidence: the first `evidencePerKind` of each kind over all workers, by time. */
export function mergeViolations(all: RunViolations[]): RunViolations {
  const checked = all.filter((v) => v.checked);
  if (checked.length === 0) return { checked: false, kinds: [], total: 0, counts: {}, evidence: [], evidencePerKind: 0 };
  const counts: Record<string, number> = {};
  for (const v of checked) for (const [kind, n] of Object.entries(v.counts)) counts[kind] = (counts[kind] ?? 0) + n;
  const perKind = Math.max(...checked.map((v) => v.evidencePerKind));
  // Stable: records of one worker at one ms stay in the order that worker saw them.
  const sorted = checked.flatMap((v) => v.evidence).sort((a, b) => a.atMs - b.atMs);
  const kept = new Map<string, number>();
  const evidence: ViolationRecord[] = [];
  for (const record of sorted) {
    const n = kept.get(record.kind) ?? 0;
    if (n >= perKind) continue;
    kept.set(record.kind, n + 1);
    evidence.push(record);
  }
  return {
    checked: true,
    kinds: checked[0]?.kinds ?? [],
    total: Object.values(counts).reduce((sum, n) => sum + n, 0),
    counts,
    evidence,
    evidencePerKind: perKind,
  };
}

/**
 * Saturated when any worker was (each watches its own event loop); the loop figures are the
 * worst worker's, the CPU is the workers' sum (percent of one core), and the note names the
 * workers that were saturated.
 */
export function mergeGeneratorHealth(workers: { worker: number; health: GeneratorHealth }[]): GeneratorHealth {
  const healths = workers.map((w) => w.health);
  const max = (pick: (h: GeneratorHealth) => number | undefined) => {
    const values = healths.map(pick).filter((v): v is number => v !== undefined);
    return values.length ? Math.max(...values) : undefined;
  };
  const round = (n: number) => Math.round(n * 10) / 10;
  const notes = workers.filter((w) => w.health.saturated).map((w) => `worker ${w.worker + 1}: ${w.health.note ?? 'saturated'}`);
  const overRun = max((h) => h.loopDelayP99OverRunMs);
  const lag = max((h) => h.scheduleLagP99Ms);
  return {
    saturated: healths.some((h) => h.saturated),
    windows: max((h) => h.windows) ?? 0,
    saturatedWindows: max((h) => h.saturatedWindows) ?? 0,
    loopDelayP99Ms: max((h) => h.loopDelayP99Ms) ?? 0,
    loopDelayMaxMs: max((h) => h.loopDelayMaxMs) ?? 0,
    ...(overRun === undefined ? {} : { loopDelayP99OverRunMs: overRun }),
    cpuPercent: round(healths.reduce((sum, h) => sum + h.cpuPercent, 0)),
    ...(lag === undefined ? {} : { scheduleLagP99Ms: lag }),
    ...(notes.length ? { note: notes.join('; ') } : {}),
  };
}
