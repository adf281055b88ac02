import type { AdapterName } from '../../../reference-server/index.ts';
import type { Transport } from '../../client/virtual-user.ts';
import type { RunResult } from '../../engine/run.ts';
import type { Scenario } from '../../scenario/types.ts';
import type { ClusterSettings } from '../cluster.ts';
import type { LoadBalancer } from '../cluster-protocol.ts';
import type { HaproxyTimeouts } from '../haproxy.ts';
import type { NodeWatch } from './node-sampler.ts';

/** What an entry needs beyond Node: the list says so, and a missing one skips the entry with a message. */
export type ReproNeed = 'redis' | 'haproxy';

/** The deployment a variant runs on. */
export interface ReproTopology {
  /** Reference nodes: 2 or more start a cluster on Redis (src/lab/cluster.ts); 1 is one node in memory. */
  nodes: number;
  /** Cluster only; default 'redis' (classic pub/sub). */
  adapter?: AdapterName;
  /** Cluster only: the entry in front of the nodes; default 'sticky'. */
  lb?: LoadBalancer;
  /** Cluster only: 'ordered' (default) or the stock 'adapter' fan-out. */
  fanout?: 'ordered' | 'adapter';
  recovery?: boolean;
  /** One node only: HAProxy in front of it with these timeouts. */
  haproxy?: HaproxyTimeouts;
  /** With adapter 'streams': the stream's MAXLEN. */
  streamMaxLen?: number;
  /** Presence TTL of every node (the reference server's default 60 s). */
  presenceTtlMs?: number;
  /** Where every node keeps presence (the reference server's default 'shared': Redis, with the TTL). */
  presenceStore?: ClusterSettings['presenceStore'];
  /** Engine.IO's heartbeat (Socket.IO defaults: 25 s interval, 20 s timeout). */
  pingIntervalMs?: number;
  pingTimeoutMs?: number;
  /** Every node disconnects slow consumers above this many unsent bytes (reference-server option). */
  slowConsumerMaxBufferedBytes?: number;
}

/** How big a repro runs: `--scale` multiplies users and rates, `--duration` sets the load's length. */
export interface ReproSize {
  scale: number;
  durationMs: number;
}

/** The load of one variant, as startRun takes it. */
export interface ReproLoad {
  scenario: string | (Scenario & { name?: string });
  scale?: number;
  durationMs?: number;
  transport?: Transport;
  /**
   * Faults on the load's timeline, in `--fault` syntax (docs/faults.md), e.g. 'kill-node 1 at 3s'.
   * With faults the run starts the topology itself (the fault lab); its nodes are watched as
   * they start, and `server` holds each node's last counters (a killed node's up to its death).
   */
  faults?: string[];
}

/** The servers' own counters, summed over every node's /metrics after the load (with faults: each node's last scrape). */
export interface ServerCounters {
  /** Engine.IO refusals by `code message`, e.g. '1 Session ID unknown'. */
  connectionErrors: Record<string, number>;
  /** Server-side disconnects by reason. */
  disconnects: Record<string, number>;
}

/** Everything a signature may look at: pure data, so signatures are pure predicates. */
export interface ReproObservation {
  run: RunResult;
  /** Undefined when no node could be scraped. */
  server: ServerCounters | undefined;
  /** Each node's memory sampled from its /metrics while the load ran (src/lab/repro/node-sampler.ts). */
  nodes?: NodeWatch;
  topology: ReproTopology;
  size: ReproSize;
}

export interface SignatureMatch {
  present: boolean;
  /** One line for a person: what was (or was not) seen. */
  summary: string;
  /** The figures behind it, in display order. */
  figures: Record<string, number | string>;
}

export interface ReproSignature {
  /** What is looked for, in words. */
  describe: string;
  detect(observation: ReproObservation): SignatureMatch;
}

export interface ReproVariant {
  /** e.g. 'round-robin entry, no stickiness'. */
  label: string;
  topology: ReproTopology;
}

/** One catalog entry: a small file in src/lab/repro/, a page in docs/repro/<name>.md. */
export interface ReproEntry {
  name: string;
  /** One line for the list. */
  summary: string;
  needs: ReproNeed[];
  /** 'hypothesis': marked [H] in the research; the page says whether bazaar confirmed it. */
  confidence: 'documented' | 'hypothesis';
  /** Upstream issues and documentation. */
  links: string[];
  /** The size `npx bazaar repro NAME` runs at without --scale/--duration. */
  defaultSize: ReproSize;
  bug: ReproVariant;
  /** The documented fix: the same load, the signature should be gone. */
  fix: ReproVariant;
  /** When a variant's topology depends on the size (timeouts that follow --duration); default bug/fix.topology. */
  topologyFor?(role: 'bug' | 'fix', size: ReproSize): ReproTopology;
  /** The load; the fix may change the clients too (their backoff), so it is asked per role. */
  load(size: ReproSize, role: 'bug' | 'fix'): ReproLoad;
  signature: ReproSignature;
}

/** One variant as it ran. */
export interface VariantOutcome {
  label: string;
  topology: ReproTopology;
  match: SignatureMatch;
  /** The run's own status (thresholds fail on a bug variant: that is expected). */
  runStatus: RunResult['status'];
  durationMs: number;
  /** The nodes it ran on (pid 0: in the repro's own process); all stopped by the time the report exists. */
  nodes: { url: string; pid: number }[];
}

/**
 * - reproduced-fixed: the signature showed, and the fix variant cleared it (exit 0);
 * - not-reproduced: the bug variant did not show the signature (exit 4);
 * - fix-did-not-clear: reproduced, and the fix variant still shows it (exit 5);
 * - skipped: a need (HAProxy) is missing here (exit 6);
 * - interrupted: stopped (Ctrl-C) before a verdict; what ran is in the report (exit 130).
 */
export type ReproVerdict = 'reproduced-fixed' | 'not-reproduced' | 'fix-did-not-clear' | 'skipped' | 'interrupted';

export interface ReproReport {
  name: string;
  summary: string;
  verdict: ReproVerdict;
  size: ReproSize;
  signature: string;
  bug?: VariantOutcome;
  fix?: VariantOutcome;
  /** Why it was skipped, and what to do. */
  skipped?: string;
  doc: string;
  links: string[];
}
