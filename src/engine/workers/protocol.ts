import type { ClientKind } from '../../client/client-socket.ts';
import type { RunViolations } from '../../checks/violations.ts';
import type { MetricsSnapshot } from '../../metrics/snapshot.ts';
import type { RunStatus } from '../../report/summary.ts';
import type { SeededWorld } from '../../scenario/types.ts';
import type { Transport } from '../../client/virtual-user.ts';
import type { GeneratorHealth } from '../generator-health.ts';

/*
 * What a coordinator and its workers say to each other (issue 15 §1): plain JSON, nothing
 * shared, so that a worker could as well be an agent on another machine (§2) with the same
 * messages carried over Redis instead of a process's IPC channel. Histograms travel as their
 * compressed HdrHistogram encodings (MetricsSnapshot), and every report is cumulative: the
 * latest one from each worker is all the coordinator needs, so a lost or late report costs
 * nothing but freshness.
 */

/** What one worker plays: its share of the run (src/schedule/split.ts, ./partition.ts). */
export interface WorkerSpec {
  /** 0-based. */
  index: number;
  /** How many workers share the run. */
  of: number;
  /** A scenario file or shipped name: each worker loads it (a scenario's code cannot be sent). */
  scenario: string;
  /** The scenario is an agent's copy of a shipped file: its `import 'bazaar'` is the worker's own bazaar. */
  importBazaarHere?: boolean;
  target: string;
  jwtSecret?: string;
  tokenModule?: string;
  transport: Transport;
  /** --client, when given (a worker reads the scenario's own `options.client` itself). */
  client?: ClientKind;
  durationMs?: number;
  scale?: number;
  check: boolean;
  localAddresses?: string[];
  /** Seeded once, by the coordinator. */
  world: SeededWorld;
  /** How often the worker reports. */
  reportEveryMs: number;
}

/** One worker's figures so far (cumulative). */
export interface WorkerReport {
  worker: number;
  /** The last report: the worker's run is over. */
  final: boolean;
  /** ms since the worker's schedule started. */
  elapsedMs: number;
  metrics: MetricsSnapshot;
  violations: RunViolations;
  /** The worker watching its own event loop and CPU. */
  generator: GeneratorHealth;
  /** VUs running an iteration now. */
  vus: number;
  /** Virtual users holding (or opening) a connection now. */
  liveUsers: number;
  /** Of those, the connected ones. */
  connectedUsers?: number;
  /** The worker process's resident memory now, bytes. */
  rssBytes?: number;
  /** The worker's own status (final reports); the run's verdict is the coordinator's. */
  status?: RunStatus;
  reason?: string;
}

export type CoordinatorMessage =
  | { type: 'start'; spec: WorkerSpec }
  /**
   * Every worker is ready: start the schedule now. From a coordinator to agents, `atMs` is the
   * common start time on Redis's clock (src/engine/agents/); the agent sends the plain 'go' then.
   */
  | { type: 'go'; atMs?: number }
  /** Ctrl-C, abortOnFail, or another worker failed: stop starting iterations, finish, report. */
  | { type: 'stop'; reason: string };

export type WorkerMessage =
  /** Users are set up and the worker waits for 'go'. */
  | { type: 'ready'; worker: number; pid: number }
  | { type: 'report'; report: WorkerReport }
  /** A message for the person running bazaar (a warning, an iteration error). */
  | { type: 'notice'; worker: number; message: string }
  /** The worker cannot go on; it exits after this. */
  | { type: 'failed'; worker: number; message: string };

/** A worker's side of a run (startRun's `worker` option): what it plays and how it talks back. */
export interface WorkerRole {
  index: number;
  of: number;
  world: SeededWorld;
  reportEveryMs: number;
  /** Resolves when every worker is ready: the schedule starts then, in every worker together. */
  ready(): Promise<void>;
  report(report: WorkerReport): void;
}
