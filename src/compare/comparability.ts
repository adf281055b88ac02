import type { RecordedRun } from './recorded-run.ts';

export interface Comparability {
  comparable: boolean;
  /** Why the two runs do not measure the same thing: each one alone voids the comparison. */
  differences: string[];
  /** What a reader should know but does not void it (another target URL, an older result). */
  notes: string[];
}

/**
 * Whether a difference between two runs can be put down to the server. Runs of another scenario,
 * schedule (scale, --duration), world, target kind, transport or client measure something else; a
 * saturated generator measured itself; a partial run measured less.
 */
export function judgeComparability(base: RecordedRun, current: RecordedRun): Comparability {
  const differences: string[] = [];
  const notes: string[] = [];
  const differ = (what: string, b: unknown, c: unknown, format = show) => {
    if (JSON.stringify(b) !== JSON.stringify(c)) differences.push(`${what}: ${format(b)} in the baseline, ${format(c)} now`);
  };
  differ('scenario', base.scenario, current.scenario);
  for (const group of new Set([...Object.keys(base.schedule), ...Object.keys(current.schedule)])) {
    differ(`schedule of "${group}"`, base.schedule[group], current.schedule[group]);
  }
  if (base.world && current.world) differ('world', base.world, current.world);
  differ('target kind', targetKind(base), targetKind(current), String);
  if (base.conditions && current.conditions) {
    differ('scale', base.conditions.scale, current.conditions.scale);
    differ('--duration', base.conditions.durationMs, current.conditions.durationMs);
    differ('transport', base.conditions.transport, current.conditions.transport);
    differ('client', base.conditions.client ?? 'socket.io-client', current.conditions.client ?? 'socket.io-client', String);
    differ('online checking', base.conditions.check, current.conditions.check);
    differ('defect', base.conditions.defect, current.conditions.defect);
    differ('faults', base.conditions.faults, current.conditions.faults);
  } else {
    notes.push('one run predates recorded conditions (scale, transport, nodes): only its schedule and world were compared');
  }
  for (const [which, run] of [['baseline', base], ['current run', current]] as const) {
    if (run.generator.saturated) {
      differences.push(`the ${which}'s load generator was saturated: its latencies include the generator's own delay`);
    }
    if (run.partial) differences.push(`the ${which} is partial (${run.status}): it covers only part of the schedule`);
  }
  if (!base.embedded && !current.embedded && base.target !== current.target) {
    notes.push(`targets differ (${base.target} and ${current.target}): comparable only if both are the same deployment`);
  }
  return { comparable: differences.length === 0, differences, notes };
}

function targetKind(run: RecordedRun): string {
  if (!run.embedded) return 'an external target';
  const nodes = run.conditions?.nodes ?? 1;
  return nodes > 1 ? `the embedded reference cluster of ${nodes} nodes` : 'the embedded reference server';
}

const show = (value: unknown) => (value === undefined ? 'none' : typeof value === 'string' ? `"${value}"` : JSON.stringify(value));
