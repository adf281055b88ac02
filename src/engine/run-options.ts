import type { Logger } from 'pino';
import type { ClientKind } from '../client/client-socket.ts';
import type { LedgerSizes } from '../client/delivery-ledger.ts';
import type { Transport } from '../client/virtual-user.ts';
import type { ClusterSettings } from '../lab/cluster.ts';
import type { Scenario } from '../scenario/types.ts';
import type { TargetProfile } from '../target/types.ts';
import type { AdapterName } from '../../reference-server/index.ts';
import type { AgentsOptions } from './agents/distributed-run.ts';
import type { SeedProgress } from './seed-world.ts';
import type { WorkerRole } from './workers/protocol.ts';

/* What a caller of startRun (src/engine/run.ts) passes in, and hears back while the run goes. */

export interface RunOptions {
  /** A shipped scenario name, a path, or a scenario object from defineScenario. */
  scenario: string | (Scenario & { name?: string });
  /** Server to test; default: the profile's url, else start the bundled reference server (one node, in memory). */
  target?: string;
  /**
   * How the server speaks (src/target/, docs/profiles.md); default the contract's dialect. The
   * scenario's steps become the profile's operations, its world is made the profile's way, and
   * online violation kinds whose guarantee the profile does not claim are not checked.
   */
  profile?: TargetProfile;
  jwtSecret?: string;
  /** Path to a module whose default export mints tokens: (userId, role) => token. */
  tokenModule?: string;
  transport?: Transport;
  /**
   * Which client each user is: 'socket.io-client' (default, one real socket.io-client per user, as
   * browsers connect) or 'lean' (Engine.IO / Socket.IO framed by hand over `ws`: WebSocket only,
   * JSON payloads; for runs whose point is sheer numbers). Overrides the scenario's `options.client`.
   */
  client?: ClientKind;
  /** Extra thresholds, e.g. "ack{event:message:send} p(95)<150ms". */
  thresholds?: string[];
  /** Report folder; default reports/<timestamp>_<scenario>/; false writes nothing. */
  reportDir?: string | false;
  /** Spread client connections over these source addresses (e.g. 127.0.0.2..). */
  localAddresses?: string[];
  /** Stops the run early (Ctrl-C): the report is written, marked partial. */
  signal?: AbortSignal;
  onProgress?(progress: RunProgress): void;
  onSeed?(progress: SeedProgress): void;
  /** Messages for a person: what the run is doing. */
  onNotice?(message: string): void;
  logger?: Logger;
  /** Compress or stretch the whole schedule to this many ms (e.g. a 60 s scenario in 5 s). */
  durationMs?: number;
  /** Multiply VUs and arrival rates, e.g. 0.1 for a tenth of the load. */
  scale?: number;
  /** Without a target: run against a cluster of this many reference nodes on Redis started for the purpose. */
  nodes?: number;
  /** The cluster's Redis (default: REDIS_URL, else a throwaway redis-server or Docker container). */
  redis?: string;
  adapter?: AdapterName;
  /** The cluster's fan-out: 'ordered' (default) or the stock 'adapter' path, which misorders across nodes. */
  fanout?: 'ordered' | 'adapter';
  /** More of the cluster started for the run (with nodes > 1): its entry, recovery, heartbeat, presence timings. */
  cluster?: ClusterSettings;
  /**
   * Check the contract online over every event the users receive (default true): violations are
   * counted in `violations{kind}`, sampled as evidence, and fail the run (docs/scenarios.md).
   */
  check?: boolean;
  /** Without a target: start the embedded reference server with this deliberate defect (reference-server/DEFECTS.md). */
  defect?: string;
  /** Serve the run's live metrics in the Prometheus text format on this port while it lasts (0: any free port). */
  metricsPort?: number;
  /** Where the metrics listen; default 127.0.0.1. */
  metricsHost?: string;
  /** Called with the metrics URL once it listens. */
  onMetricsListening?(url: string): void;
  /** With workers: called once they are started, with their process ids. */
  onWorkersStarted?(pids: number[]): void;
  /**
   * Faults to inject, in `--fault` syntax ('kill-node 1 at 20s', 'freeze-redis at 5s for 3s'),
   * besides the scenario's `faults`; times from the start of the schedule (docs/faults.md).
   */
  faults?: string[];
  /** How often result.json is rewritten while the run goes. Default 2 s. */
  snapshotEveryMs?: number;
  /**
   * Generator processes (issue 15 §1, docs/scaling.md). 1 (the default) plays the run in this
   * process; more start a coordinator here and that many worker processes, each playing its share
   * of the schedule, with the figures merged exactly. Needs a scenario file or shipped name.
   */
  workers?: number;
  /**
   * Agents on other machines (issue 15 §2, docs/distributed.md): the run is split over
   * `agents.count` agents waiting on the Redis at `agents.redisUrl` (`bazaar agent`), each
   * playing its share with `workers` processes. Needs a scenario file or shipped name.
   */
  agents?: AgentsOptions;
  /** Internal, not a stable API: this run is one worker's share under a coordinator (src/engine/workers/). */
  worker?: WorkerRole;
  /**
   * For tests, not a stable API: receives, once the run's users exist, a function that reads
   * the sizes of what the run holds in flight (to prove memory stays bounded by it).
   */
  inspect?(read: () => RunInFlight): void;
}

/** What a run holds in flight: live users, deliveries (delivery-ledger.ts), and the state that follows what is active. */
export interface RunInFlight extends LedgerSizes {
  liveUsers: number;
  /** Online checker streams held (receiver and room). */
  checkerStreams: number;
  /** Bookings learned during the run the authz checks hold (src/checks/online/entitlements.ts). */
  entitlements: number;
  /**
   * Read marks the read-receipt checks hold (src/checks/online/read-marks.ts). The senders of the
   * run's last 10,000 sends are held apart, in a ring of fixed size allocated once (sent-ring.ts).
   */
  readMarks: number;
  /** Read marks the delivery tracker remembers to tell a first mark from a repeat (src/client/first-marks.ts). */
  firstDeliveries: number;
  /** Tokens the run's token cache holds (src/client/tokens.ts); 0 with a token module. */
  cachedTokens: number;
}

export interface RunProgress {
  elapsedMs: number;
  totalMs: number;
  vus: number;
  iterationsPerSec: number;
  ackP95Ms: number | undefined;
  errors: number;
  dropped: number;
  /** Contract violations so far; undefined when not checking. */
  violations?: number;
}
