import type { AdapterName } from '../../reference-server/index.ts';

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
  recovery?: boolean;
  fanout?: 'ordered' | 'adapter';
  minimalAcks?: boolean;
}

export type NodeMessage =
  | { type: 'bazaar:node-ready'; index: number; url: string; metricsUrl: string; pid: number }
  | { type: 'bazaar:node-failed'; index: number; message: string };

export type PrimaryMessage = { type: 'bazaar:stop' } | { type: 'bazaar:bound'; sid: string };
