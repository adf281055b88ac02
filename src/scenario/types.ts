import type { Booking, Listing, Role } from '../contract/index.ts';
import type { VirtualUser } from '../client/virtual-user.ts';
import type { ExecutorConfig } from '../schedule/index.ts';
import type { ThresholdSpecs } from '../thresholds/index.ts';
import type { FaultSpec } from '../lab/faults/fault-spec.ts';

/** The marketplace seeded through the contract's HTTP API before load starts. */
export interface WorldSpec {
  /** Default 1. Ids s1..sN. */
  sellers?: number;
  /** Default 1. */
  listingsPerSeller?: number;
  /** Fraction of listings created private, 0..1. Default 0. */
  privateRatio?: number;
  /** Default: as many as bookings (at least 1). Ids b1..bN. */
  buyers?: number;
  /** Default 1. Ids a1..aN. */
  admins?: number;
  /** Bookings made before load starts: booking i is buyer i (mod buyers) on listing i. At most one per listing. Default 0. */
  bookings?: number;
}

export interface SeededWorld {
  sellers: string[];
  buyers: string[];
  admins: string[];
  listings: Listing[];
  bookings: Booking[];
}

export interface ThinkOptions {
  /** ± fraction of the duration, 0..1: think('2s', {jitter: 0.5}) waits 1..3 s. */
  jitter?: number;
}

/**
 * What one iteration of an actor sees. A VU is bound to one slot of the world: its booking,
 * listing and users stay the same across its iterations, so connections are reused as a
 * real user's would be.
 */
export interface IterationContext {
  /** 1-based VU number within its actor group. */
  vu: number;
  /** 0-based iteration of this VU. */
  iteration: number;
  world: SeededWorld;
  /** This VU's booking (world.bookings[slot]); undefined when the world has none. */
  booking: Booking | undefined;
  /** This VU's listing: the booking's, else world.listings[slot]. */
  listing: Listing | undefined;
  /** The booking's buyer, else a world buyer. Connects on first use. */
  buyer: VirtualUser;
  /** The booking's or listing's seller. */
  seller: VirtualUser;
  admin: VirtualUser;
  /** Any user, as one more connection of this VU (cached per VU). */
  user(userId: string, role: Role): VirtualUser;
  /** Pause like a person: '2s', '500ms'; jitter spreads it. */
  think(duration: string | number, options?: ThinkOptions): Promise<void>;
  /** Aborted when the run stops (end of graceful stop, Ctrl-C, abortOnFail). */
  signal: AbortSignal;
}

export interface ActorGroup {
  executor: ExecutorConfig;
  /** Delay before this group starts, e.g. '5s'. */
  startTime?: string;
  /** 'intruder': the harness plays this group's iteration (an IntruderGroup; docs/scenarios.md, "Intruders"). */
  role?: 'intruder';
  /** An intruder group's attempts per iteration. */
  attempts?: number;
  /** Once per VU, before its first iteration (connect, watch, join). */
  setup?(ctx: IterationContext): Promise<void>;
  iteration(ctx: IterationContext): Promise<void>;
}

/**
 * Users who try what they may not, mixed into the load: watch private listings, join others'
 * bookings, send, type and mark reads in them, with plain and hostile payloads. Every refusal
 * is verified by receipt (docs/scenarios.md, "Intruders").
 */
export interface IntruderGroup {
  role: 'intruder';
  executor: ExecutorConfig;
  startTime?: string;
  /** Attempts per iteration, all at once. Default 5. */
  attempts?: number;
}

/** The shorthand: intruders arriving at `rate` per second for as long as the rest of the scenario. */
export interface IntrudersSpec {
  /** Intruder iterations per second (scaled by --scale). */
  rate: number;
  /** Attempts per iteration, all at once. Default 5. */
  attempts?: number;
}

export interface ScenarioOptions {
  /**
   * Default 'socket.io-client': one real socket.io-client per user. 'lean' frames Engine.IO /
   * Socket.IO by hand over `ws` (WebSocket only, JSON payloads, no binary attachments), at a
   * fraction of the memory and CPU, for idle users, presence churn and connection storms.
   * `--client` overrides it.
   */
  client?: 'socket.io-client' | 'lean';
  /** Default '10s'. An ack slower than this is recorded at this value and counted as a timeout. */
  ackTimeout?: string;
  /** Default '10s'. A connect (or one reconnect() attempt) that fails is recorded at this value and counted. */
  connectTimeout?: string;
  /**
   * Default '30s'. A dropped connection that socket.io-client's backoff has not brought back
   * within this is recorded as a `reconnect` at this value and counted in `reconnect_failures`.
   */
  reconnectTimeout?: string;
  /**
   * Default: the ackTimeout. A fan-out delivery owed to a user of this run (in the room from
   * before the send until after) that has not arrived within this is recorded at this value and
   * counted in `delivery_timeouts`.
   */
  deliveryTimeout?: string;
  /** How long in-flight iterations may finish after the schedule ends. Default '10s'; rescaled by --duration, the timeouts are not. */
  gracefulStop?: string;
  /**
   * Default '100ms'. The part of a step's latency beyond this holds up the rest of its iteration:
   * later steps are measured from when they would have started (coordinated omission,
   * docs/latency.md). Raise it for a target whose healthy steps take longer, e.g. one far away.
   */
  stallThreshold?: string;
  /**
   * socket.io-client's reconnection backoff for every user; default the client's own (a first
   * attempt after 1s ± 50 %, doubling up to 5s). Spreading it (a longer delay, randomizationFactor
   * up to 1) softens the herd after a node dies (docs/repro/reconnect-storm.md).
   */
  reconnection?: { delay?: string; delayMax?: string; randomizationFactor?: number };
}

export interface ScenarioDefinition {
  /** Shown in reports; defaults to the file name. */
  name?: string;
  description?: string;
  /**
   * The marketplace to seed through the contract's HTTP API before load starts. `false` seeds
   * nothing: for a server of another dialect driven by the generic steps (emit, emitWithAck,
   * request, expect, on); the iteration's users are then `b1`, `s1`, `a1`… by VU slot, or `user(id, role)`.
   */
  world?: WorldSpec | false;
  thresholds?: ThresholdSpecs;
  options?: ScenarioOptions;
  /** One group of actors: the shorthand for `actors: { default: { executor, iteration } }`. */
  executor?: ExecutorConfig;
  setup?(ctx: IterationContext): Promise<void>;
  iteration?(ctx: IterationContext): Promise<void>;
  /** Several groups, each with its own executor, running side by side. */
  actors?: Record<string, ActorGroup | IntruderGroup>;
  /** Intruders mixed into the load: the shorthand for an actor group `intruders` with `role: 'intruder'`. */
  intruders?: IntrudersSpec;
  /**
   * Faults injected on the run's timeline (docs/faults.md), e.g.
   * `[{ at: '20s', kind: 'kill-node', node: 1 }, { at: '40s', for: '5s', kind: 'freeze-redis' }]`.
   * Their times scale with --duration, as the rest of the timeline.
   */
  faults?: FaultSpec[];
}

export interface Scenario extends ScenarioDefinition {
  readonly kind: 'bazaar.scenario';
  groups: Record<string, ActorGroup>;
}
