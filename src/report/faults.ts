import type { FaultEvent, FaultImpact } from '../lab/faults/fault-impact.ts';
import { formatMs, formatUs } from './format.ts';
import type { Table } from './table.ts';

const counts = (byKey: Record<string, number>) =>
  Object.entries(byKey).map(([key, n]) => `${key} ${n}`).join(', ') || '-';

/**
 * The faults of a run as a table (pure): when, what was hit, and what it cost. `impacts` come
 * from analyzeFaultImpact; a fault that could not be injected shows why.
 */
export function describeFaults(events: readonly FaultEvent[] | undefined, impacts: readonly FaultImpact[] | undefined): Table | undefined {
  if (!events || events.length === 0) return undefined;
  const impactOf = new Map((impacts ?? []).map((i) => [`${i.label}@${i.atMs}`, i]));
  return {
    headers: ['fault', 'at', 'lasted', 'hit', 'violations', 'disconnects', 'reconnects', 'delivery p99 before → worst', 'recovered'],
    align: ['left', 'right', 'right', 'left', 'left', 'left', 'right', 'right', 'right'],
    rows: events.map((event) => {
      const impact = impactOf.get(`${event.label}@${event.atMs}`);
      if (!event.applied || !impact) {
        return [event.label, `+${formatMs(event.atMs)}`, '-', `NOT INJECTED: ${event.error ?? 'unknown'}`, '-', '-', '-', '-', '-'];
      }
      const p99 = (us: number | null) => (us === null ? '-' : formatUs(us));
      return [
        event.label,
        `+${formatMs(event.atMs)}`,
        event.endMs > event.atMs ? formatMs(event.endMs - event.atMs) : 'instant',
        event.detail ?? '',
        counts(impact.violations),
        counts(impact.disconnects),
        String(impact.reconnects),
        `${p99(impact.baselineP99Us)} → ${p99(impact.worstP99Us)}`,
        impact.recovered ? `in ${formatMs(impact.timeToRecoverMs ?? 0)}` : 'NOT before the next fault or the end',
      ];
    }),
  };
}

/** The line under the table: what "recovered" means (docs/faults.md). */
export const FAULTS_NOTE =
  'recovered: delivery complete again (no loss, no delivery timeout) and p99 within 2x of before, from when the fault was lifted; ' +
  'each fault is read up to the next one (docs/faults.md)';
