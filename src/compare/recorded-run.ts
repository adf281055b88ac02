import type { RunViolations } from '../checks/violations.ts';
import { BazaarError } from '../errors.ts';
import type { MetricsSnapshot } from '../metrics/index.ts';

/**
 * What `bazaar compare` reads of a result.json: a subset of RunResult, so results written by
 * older versions (without `conditions`) still compare.
 */
export interface RecordedRun {
  scenario: string;
  target: string;
  embedded: boolean;
  startedAt: string;
  durationMs: number;
  partial: boolean;
  status: string;
  schedule: Record<string, string>;
  world?: Record<string, number>;
  conditions?: {
    scale: number;
    durationMs?: number;
    nodes: number;
    transport: string;
    client?: string;
    check: boolean;
    defect?: string;
    faults?: string[];
  };
  generator: { saturated: boolean; loopDelayP99Ms?: number; cpuPercent?: number; note?: string };
  violations?: RunViolations;
  metrics: MetricsSnapshot;
}

/**
 * Check that parsed JSON is a run result, naming what is missing: a check report or a half-written
 * file must not compare as an empty run. `where` names the file in errors.
 */
export function parseRecordedRun(json: unknown, where: string): RecordedRun {
  const hint = 'pass a folder written by `bazaar run` (or its result.json)';
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new BazaarError('BAZAAR_BAD_RESULT', `${where} is not a run result (not a JSON object)`, hint);
  }
  const run = json as Record<string, unknown>;
  if (Array.isArray(run.checks)) {
    throw new BazaarError('BAZAAR_BAD_RESULT', `${where} is a check report, not a run result`,
      'compare the result.json of two `bazaar run`s; check reports are compared check by check in their junit.xml');
  }
  const metrics = run.metrics as Record<string, unknown> | undefined;
  const missing = [
    typeof run.scenario !== 'string' && 'scenario',
    typeof run.startedAt !== 'string' && 'startedAt',
    (typeof run.generator !== 'object' || run.generator === null) && 'generator',
    (typeof metrics !== 'object' || metrics === null || !Array.isArray(metrics.latencies) || !Array.isArray(metrics.counters)) && 'metrics',
  ].filter((field): field is string => field !== false);
  if (missing.length > 0) {
    throw new BazaarError('BAZAAR_BAD_RESULT', `${where} is not a run result: it has no ${missing.join(', ')}`, hint);
  }
  return {
    ...(run as unknown as RecordedRun),
    target: String(run.target ?? ''),
    embedded: run.embedded === true,
    durationMs: Number(run.durationMs ?? 0),
    partial: run.partial === true,
    status: String(run.status ?? 'unknown'),
    schedule: (run.schedule as Record<string, string> | undefined) ?? {},
  };
}
