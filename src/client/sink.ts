export type Tags = Record<string, string>;

/** The part of the metrics registry a client writes to. */
export interface MetricsSink {
  latency(name: string, tags?: Tags): {
    record(actualStartUs: number, endUs: number, intendedStartUs?: number): void;
    recordValueUs(valueUs: number, uncorrectedUs?: number): void;
  };
  counter(name: string, tags?: Tags): { add(n?: number): void };
}

/**
 * Every metric a run records: whether it holds timings (trend) or counts (counter), and the tag
 * keys its series carry. Thresholds may name only these metrics and filter only by these keys:
 * a misspelled key would match no series and a `count==0` on it would pass forever. Adding a
 * metric is one line here (test/run/metric-tags.test.ts checks a real run records no other tag).
 */
export const METRICS = {
  connect: { kind: 'trend', tags: [] },
  reconnect: { kind: 'trend', tags: [] },
  ack: { kind: 'trend', tags: ['event'] },
  delivery: { kind: 'trend', tags: ['event', 'room'] },
  http: { kind: 'trend', tags: ['route'] },
  iteration: { kind: 'trend', tags: ['group'] },
  schedule_lag: { kind: 'trend', tags: ['group'] },
  iterations: { kind: 'counter', tags: ['group'] },
  iterations_interrupted: { kind: 'counter', tags: ['group'] },
  dropped_iterations: { kind: 'counter', tags: ['group'] },
  errors: { kind: 'counter', tags: ['code', 'source'] },
  ack_timeouts: { kind: 'counter', tags: ['event'] },
  expect_timeouts: { kind: 'counter', tags: ['event'] },
  delivery_timeouts: { kind: 'counter', tags: ['event'] },
  connect_timeouts: { kind: 'counter', tags: [] },
  reconnect_failures: { kind: 'counter', tags: [] },
  disconnects: { kind: 'counter', tags: ['reason'] },
  connect_errors: { kind: 'counter', tags: ['message'] },
  /** Contract invariants broken under load, by kind (src/checks/violations.ts); evidence in result.json. */
  violations: { kind: 'counter', tags: ['kind'] },
  /** Intruders' attempts and the ones answered with a refusal, by action and payload shape (src/engine/intruders.ts). */
  intruder_attempts: { kind: 'counter', tags: ['action', 'shape'] },
  intruder_refusals: { kind: 'counter', tags: ['action', 'shape'] },
} as const satisfies Record<string, { kind: 'trend' | 'counter'; tags: readonly string[] }>;

/** Every metric name a run records: thresholds may name only these. */
export const METRIC_NAMES = Object.keys(METRICS) as (keyof typeof METRICS)[];
export type MetricName = keyof typeof METRICS;

/** Room sizes as a bounded label: fan-out latency is reported per size class. */
export function roomSizeClass(members: number): string {
  if (members <= 1) return '1';
  if (members <= 10) return '2-10';
  if (members <= 100) return '11-100';
  if (members <= 1000) return '101-1000';
  return '1001+';
}
