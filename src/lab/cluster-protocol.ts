import type { AdapterName, PresenceStoreKind } from '../../reference-server/index.ts';

export const LOAD_BALANCERS = ['sticky', 'haproxy', 'none'] as const;
export type LoadBalancer = (typeof LOAD_BALANCERS)[number];

/** What the primary tells each node (as JSON in BAZAAR_NODE; the secret goes in JWT_SECRET). */
export interface NodeSettings {
  index: number;
  host: string;
  redisUrl: string;
  prefix: string;
  adapter: AdapterName;
  lb: LoadBalancer;
  logLevel: string;
  presenceTtlMs?: number;
  presenceHeartbeatMs?: number;
  presenceSweepMs?: number;
  presenceStore?: PresenceStoreKind;
  recovery?: boolean;
  fanout?: 'ordered' | 'adapter';
  pingIntervalMs?: number;
  pingTimeoutMs?: number;
  streamMaxLen?: number;
  minimalAcks?: boolean;
  /** Disconnect slow consumers above this many unsent bytes (reference-server option slowConsumerMaxBufferedBytes). */
  slowConsumerMaxBufferedBytes?: number;
}

export type NodeMessage =
  | { type: 'bazaar:node-ready'; index: number; url: string; metricsUrl: string; pid: number }
  | { type: 'bazaar:node-failed'; index: number; message: string };

export type PrimaryMessage =
  | { type: 'bazaar:stop' }
  | { type: 'bazaar:bound'; sid: string }
  /** Fault injection: keep the event loop busy for `ms` (docs/faults.md, block-loop). */
  | { type: 'bazaar:block-loop'; ms: number };

/** Signals a fault sends a node (docs/faults.md). */
export type NodeSignal = 'SIGKILL' | 'SIGTERM' | 'SIGSTOP' | 'SIGCONT';

/**
 * What the process that started `bazaar serve --nodes` (src/lab/cluster.ts) asks the primary over
 * its IPC channel, to inject faults; each is answered with a ControlReply of the same id.
 */
export type ControlRequest = { type: 'bazaar:control'; id: number } & ControlOp;

export type ControlOp =
  /** `replace`: start a replacement once it exits (a restart); false leaves the node down. */
  | { op: 'signal'; node: number; signal: NodeSignal; replace: boolean }
  | { op: 'block-loop'; node: number; ms: number };

/** `pid`: the node's process that was hit; `error`: why nothing was done. */
export type ControlReply = { type: 'bazaar:control-done'; id: number; pid?: number; error?: string };
