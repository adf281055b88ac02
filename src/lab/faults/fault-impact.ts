import type { RunTimeline } from '../../metrics/timeline.ts';
import { deliveriesAt, intervalStartMs, isDeliverySeries, lossesAt } from '../../metrics/timeline-reads.ts';

/** A fault as the run played it: result.json's `faults[]` (see inject-faults.ts). */
export interface FaultEvent {
  kind: string;
  /** The fault in --fault syntax. */
  label: string;
  /** When it was injected and lifted, ms since the schedule started (equal for an instant). */
  atMs: number;
  endMs: number;
  /** False when it could not be injected (the run went on); `error` says why. */
  applied: boolean;
  error?: string;
  /** What was hit, for people: 'node 1 pid 4242', 'redis pid 99', '12 of 60 connections'. */
  detail?: string;
}

/** What one fault cost, read from the run's timeline. */
export interface FaultImpact {
  label: string;
  atMs: number;
  endMs: number;
  /** The window read: from the fault to the next fault (or the end of the run). */
  windowEndMs: number;
  /** violations{kind} counted in the window. */
  violations: Record<string, number>;
  /** disconnects{reason} counted in the window (but 'io client disconnect': the harness closing its users). */
  disconnects: Record<string, number>;
  /** Reconnections that succeeded in the window (the `reconnect` latency's count), and the ones given up. */
  reconnects: number;
  reconnectFailures: number;
  /** errors{code} counted in the window (e.g. `ack_timeout`, `internal` answers while Redis was down). */
  errors: Record<string, number>;
  /** Deliveries timed out (delivery_timeouts) and connect errors in the window. */
  deliveryTimeouts: number;
  connectErrors: number;
  /**
   * p99 of delivery before the fault: the highest per-interval p99 of the (up to 10) intervals
   * before it that no earlier fault disturbed (an upper bound of the p99 over that stretch);
   * null with no delivery before it.
   */
  baselineP99Us: number | null;
  /** Worst per-interval delivery p99 in the window. */
  worstP99Us: number | null;
  /** Whether delivery was complete again and p99 back within `p99Factor`x of the baseline before the window ended. */
  recovered: boolean;
  /** Start of the first healthy interval (of two in a row) after the fault was lifted. */
  recoveredAtMs?: number;
  /** recoveredAtMs minus the moment the fault was lifted (its end; an instant's start); to the timeline's interval. */
  timeToRecoverMs?: number;
}

export interface FaultImpactOptions {
  /** p99 counts as back when within this factor of the baseline. Default 2. */
  p99Factor?: number;
  /**
   * The baseline counts as at least this much. Default 50 ms: below it, the interval-to-interval
   * noise of p99 on a busy generator is larger than 2x, and would read as no recovery.
   */
  baselineFloorUs?: number;
  /** Intervals before the fault whose p99s make the baseline. Default 10. */
  baselineIntervals?: number;
}

interface Series {
  /** Start and end of each interval. */
  startMs: number[];
  endMs: number[];
}

function tagValue(key: string, metric: string, tag: string): string | undefined {
  if (!key.startsWith(`${metric}{`)) return undefined;
  const match = new RegExp(`[{,]${tag}:([^,}]*)`).exec(key);
  return match?.[1];
}

function sumInto(into: Record<string, number>, key: string, n: number): void {
  if (n > 0) into[key] = (into[key] ?? 0) + n;
}


/**
 * Per fault: what it broke and how long the run took to get over it, from the timeline alone
 * (pure: result.json is enough to recompute it).
 *
 * An interval is healthy when it lost nothing (no `loss` violation, no delivery timeout), saw
 * deliveries (when the run had any before the fault) and its delivery p99 is within
 * `p99Factor`x of the baseline (counted as at least `baselineFloorUs`). Recovery is the start of the first of two
 * healthy intervals in a row (or the last interval of the window) ending after the fault was
 * lifted; the run's wind-down (no VU left, nothing delivered) is skipped. A loss is counted
 * when it is declared, `deliveryTimeout` after the send: a fault's losses show that much later.
 */
export function analyzeFaultImpact(timeline: RunTimeline, faults: readonly FaultEvent[], options: FaultImpactOptions = {}): FaultImpact[] {
  const p99Factor = options.p99Factor ?? 2;
  const baselineIntervals = options.baselineIntervals ?? 10;
  const baselineFloorUs = options.baselineFloorUs ?? 50_000;
  const n = timeline.atMs.length;
  const series: Series = {
    endMs: timeline.atMs,
    startMs: timeline.atMs.map((_, i) => intervalStartMs(timeline, i)),
  };
  const deliveryKeys = Object.keys(timeline.latencies).filter(isDeliverySeries);
  const p99At = (i: number): number | null => {
    let worst: number | null = null;
    for (const key of deliveryKeys) {
      const value = timeline.latencies[key]?.p99Us[i] ?? null;
      if (value !== null && (worst === null || value > worst)) worst = value;
    }
    return worst;
  };
  const deliveredAt = (i: number) => deliveriesAt(timeline, i);
  const sorted = [...faults].filter((f) => f.applied).sort((a, b) => a.atMs - b.atMs);
  /** From each earlier fault to its recovery (or the end of its window): not a baseline. */
  const disturbed: [number, number][] = [];
  // The run winding down (no VU left, nothing delivered) says nothing either way.
  const neutral = (i: number) => timeline.vus[i] === 0 && deliveredAt(i) === 0;

  return sorted.map((fault, index) => {
    const next = sorted.slice(index + 1).find((f) => f.atMs > fault.atMs);
    const windowEndMs = next?.atMs ?? (n > 0 ? (series.endMs[n - 1] as number) : fault.endMs);
    const inWindow = (i: number) => (series.endMs[i] as number) > fault.atMs && (series.startMs[i] as number) < windowEndMs;
    const before: number[] = [];
    let deliveredBefore = false;
    for (let i = 0; i < n && (series.endMs[i] as number) <= fault.atMs; i++) {
      if (deliveredAt(i) > 0) deliveredBefore = true;
      if (disturbed.some(([from, to]) => (series.endMs[i] as number) > from && (series.startMs[i] as number) < to)) continue;
      const p99 = p99At(i);
      if (p99 !== null) before.push(p99);
    }
    const recent = before.slice(-baselineIntervals);
    const baselineP99Us = recent.length > 0 ? Math.max(...recent) : null;
    const violations: Record<string, number> = {};
    const disconnects: Record<string, number> = {};
    const errors: Record<string, number> = {};
    let reconnects = 0;
    let reconnectFailures = 0;
    let deliveryTimeouts = 0;
    let connectErrors = 0;
    let worstP99Us: number | null = null;
    const windowIdx: number[] = [];
    for (let i = 0; i < n; i++) {
      if (!inWindow(i)) continue;
      windowIdx.push(i);
      for (const [key, values] of Object.entries(timeline.counters)) {
        const grew = values[i] ?? 0;
        const kind = tagValue(key, 'violations', 'kind');
        if (kind !== undefined) sumInto(violations, kind, grew);
        const reason = tagValue(key, 'disconnects', 'reason');
        // 'io client disconnect' is the harness closing its own users (the end of the run), not the fault.
        if (reason !== undefined && reason !== 'io client disconnect') sumInto(disconnects, reason, grew);
        const code = tagValue(key, 'errors', 'code');
        if (code !== undefined) sumInto(errors, code, grew);
        if (key === 'reconnect_failures') reconnectFailures += grew;
        if (key === 'delivery_timeouts' || key.startsWith('delivery_timeouts{')) deliveryTimeouts += grew;
        if (key === 'connect_errors' || key.startsWith('connect_errors{')) connectErrors += grew;
      }
      reconnects += timeline.latencies.reconnect?.count[i] ?? 0;
      const p99 = p99At(i);
      if (p99 !== null && (worstP99Us === null || p99 > worstP99Us)) worstP99Us = p99;
    }
    const healthy = (i: number) => {
      if (lossesAt(timeline, i) > 0) return false;
      const p99 = p99At(i);
      if (deliveredBefore && (deliveredAt(i) === 0 || p99 === null)) return false;
      return baselineP99Us === null || p99 === null || p99 <= p99Factor * Math.max(baselineP99Us, baselineFloorUs);
    };
    const after = windowIdx.filter((i) => (series.endMs[i] as number) > fault.endMs && !neutral(i));
    let recoveredAtMs: number | undefined;
    for (let k = 0; k < after.length; k++) {
      const i = after[k] as number;
      const j = after[k + 1];
      if (healthy(i) && (j === undefined || healthy(j))) {
        recoveredAtMs = Math.max(series.startMs[i] as number, fault.endMs);
        break;
      }
    }
    disturbed.push([fault.atMs, recoveredAtMs ?? windowEndMs]);
    return {
      label: fault.label,
      atMs: fault.atMs,
      endMs: fault.endMs,
      windowEndMs,
      violations,
      disconnects,
      errors,
      reconnects,
      reconnectFailures,
      deliveryTimeouts,
      connectErrors,
      baselineP99Us,
      worstP99Us,
      recovered: recoveredAtMs !== undefined,
      ...(recoveredAtMs !== undefined ? { recoveredAtMs, timeToRecoverMs: recoveredAtMs - fault.endMs } : {}),
    };
  });
}
