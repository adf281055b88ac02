import type { MetricsSink } from '../client/sink.ts';
import { AUTHZ_VIOLATION_KINDS } from './online/authz-kinds.ts';
import type { Capability } from '../target/types.ts';

/** The invariants a load run checks online (docs/scenarios.md, "Violations"). */
export const VIOLATION_KINDS = ['order', 'versions', 'loss', 'presence', 'typing', 'reads', ...AUTHZ_VIOLATION_KINDS] as const;
export type ViolationKind = (typeof VIOLATION_KINDS)[number];

/** The guarantee each kind holds the server to: a target profile that does not claim it is not checked for it. */
export const VIOLATION_CAPABILITY: Record<ViolationKind, Capability> = {
  order: 'ordering',
  versions: 'versions',
  loss: 'ownEcho',
  presence: 'presence',
  typing: 'typingLimits',
  reads: 'reads',
  // Entitlements are judged from the contract's rooms and the world bazaar seeded in its terms.
  'authz-leak': 'contractWire',
  'authz-write': 'contractWire',
};

/** One violation as evidence: who saw what, where, when, instead of what. */
export interface ViolationRecord {
  kind: ViolationKind;
  /** The receiving user. */
  user: string;
  /** Its connection's socket id when it happened (the server's name for it). */
  connection: string | undefined;
  room: string;
  expected: string;
  observed: string;
  /** Milliseconds since the run's schedule started. */
  atMs: number;
}

/** What result.json carries: counts per kind and the first evidence records of each. */
export interface RunViolations {
  /** False with --no-check: nothing was checked, so the counts say nothing. */
  checked: boolean;
  /** The kinds checked (empty when not checked). */
  kinds: string[];
  /** Kinds not checked because the target's profile does not claim their guarantee, with the reason. */
  notApplicable?: Record<string, string>;
  total: number;
  counts: Record<string, number>;
  /** At most `evidencePerKind` records of each kind, the first ones, in the order they happened. */
  evidence: ViolationRecord[];
  evidencePerKind: number;
}

export const DEFAULT_EVIDENCE_PER_KIND = 10;

export const NOT_CHECKED: RunViolations = { checked: false, kinds: [], total: 0, counts: {}, evidence: [], evidencePerKind: 0 };

export interface ViolationLog {
  record(violation: Omit<ViolationRecord, 'atMs'>, atUs: number): void;
  summary(): RunViolations;
}

/**
 * Counts each violation in `violations{kind}` (so thresholds judge them) and keeps the first
 * `evidencePerKind` of each kind: memory stays flat however many there are.
 */
export function createViolationLog(options: {
  metrics: MetricsSink;
  startUs: () => number;
  evidencePerKind?: number;
  /** The kinds checked (default all), and those not applicable to the target, with why. */
  kinds?: readonly ViolationKind[];
  notApplicable?: Record<string, string>;
}): ViolationLog {
  const perKind = options.evidencePerKind ?? DEFAULT_EVIDENCE_PER_KIND;
  const counters = new Map<string, { add(n?: number): void }>();
  const counts: Record<string, number> = {};
  const evidence: ViolationRecord[] = [];
  const checked = options.kinds ? new Set<string>(options.kinds) : undefined;
  return {
    record(violation, atUs) {
      // A kind not checked (not applicable to the target's profile) is never recorded.
      if (checked && !checked.has(violation.kind)) return;
      let counter = counters.get(violation.kind);
      if (!counter) counters.set(violation.kind, (counter = options.metrics.counter('violations', { kind: violation.kind })));
      counter.add();
      const seen = (counts[violation.kind] = (counts[violation.kind] ?? 0) + 1);
      if (seen <= perKind) evidence.push({ ...violation, atMs: Math.max(0, Math.round((atUs - options.startUs()) / 1000)) });
    },
    summary() {
      const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
      const notApplicable = options.notApplicable && Object.keys(options.notApplicable).length ? { notApplicable: { ...options.notApplicable } } : {};
      return { checked: true, kinds: [...(options.kinds ?? VIOLATION_KINDS)], ...notApplicable, total, counts: { ...counts }, evidence: [...evidence], evidencePerKind: perKind };
    },
  };
}

/** One evidence record as one line for a person. */
export function describeViolation(v: ViolationRecord): string {
  const where = v.connection ? `${v.user} (socket ${v.connection})` : v.user;
  return `${v.kind}: ${where} in ${v.room} at +${v.atMs} ms: expected ${v.expected}, observed ${v.observed}`;
}
