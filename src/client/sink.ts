export type Tags = Record<string, string>;

/** The part of the metrics registry a client writes to. */
export interface MetricsSink {
  latency(name: string, tags?: Tags): {
    record(actualStartUs: number, endUs: number, intendedStartUs?: number): void;
    recordValueUs(valueUs: number, uncorrectedUs?: number): void;
  };
  counter(name: string, tags?: Tags): { add(n?: number): void };
}

/** Every metric a run records: thresholds may name only these. */
export const METRIC_NAMES = [
  'connect',
  'reconnect',
  'ack',
  'delivery',
  'http',
  'iteration',
  'schedule_lag',
  'iterations',
  'dropped_iterations',
  'errors',
  'ack_timeouts',
  'expect_timeouts',
  'disconnects',
  'connect_errors',
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/** Room sizes as a bounded label: fan-out latency is reported per size class. */
export function roomSizeClass(members: number): string {
  if (members <= 1) return '1';
  if (members <= 10) return '2-10';
  if (members <= 100) return '11-100';
  if (members <= 1000) return '101-1000';
  return '1001+';
}
