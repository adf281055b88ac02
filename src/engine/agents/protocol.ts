import type { CoordinatorMessage, WorkerMessage } from '../workers/protocol.ts';

/*
 * What a coordinator and its agents (issue 15 §2) say to each other through Redis: the workers'
 * own messages (../workers/protocol.ts), wrapped with which agent and which of its workers they
 * are for, plus what only an agent needs (its job, the common start, heartbeats, its end).
 *
 * Keys, all under one prefix (default "bazaar:"):
 * - `agent:<id>`      an agent's presence: AgentPresence JSON, expires unless refreshed (heartbeat);
 * - `claim:<id>`      which run holds the agent: the run id, expires unless the coordinator refreshes it;
 * - `inbox:<id>`      list: jobs for the agent (AgentJob JSON);
 * - `run:<run>:to:<a>` list: ToAgent messages for agent a of the run;
 * - `run:<run>:from`  stream: FromAgent messages of every agent of the run (field `m`).
 * The run's keys are deleted when the run ends, and expire anyway an hour after it started.
 */

export const DEFAULT_PREFIX = 'bazaar:';

export const keys = (prefix: string) => ({
  presence: (agentId: string) => `${prefix}agent:${agentId}`,
  presencePattern: `${prefix}agent:*`,
  claim: (agentId: string) => `${prefix}claim:${agentId}`,
  inbox: (agentId: string) => `${prefix}inbox:${agentId}`,
  toAgent: (runId: string, agent: number) => `${prefix}run:${runId}:to:${agent}`,
  fromAgents: (runId: string) => `${prefix}run:${runId}:from`,
});

/** What an agent says about itself while it waits (key `agent:<id>`). */
export interface AgentPresence {
  id: string;
  name: string;
  host: string;
  pid: number;
  cores: number;
}

/**
 * How a scenario reaches an agent: a shipped name; or a file, by its path and content. The agent
 * uses the file at the same path when it holds the same content (a shared checkout or volume);
 * otherwise it writes the content to its work dir and loads that copy, with `bazaar` imported
 * from the agent's own install (a single-file scenario: its relative imports are not shipped).
 */
export type ScenarioSource = { name: string } | { path: string; content: string; sha256: string };

/** A run's job for one agent (list `inbox:<id>`). */
export interface AgentJob {
  runId: string;
  /** 0-based, among the run's agents. */
  agent: number;
  agents: number;
  /** Worker processes this agent starts; their run-wide indexes are firstWorker, firstWorker + 1, ... */
  workers: number;
  firstWorker: number;
  scenario: ScenarioSource;
  /** Who asked, for the agent's log. */
  coordinator: string;
}

/** The agent's clock against Redis TIME, the run's common reference (./clock.ts). */
export interface ClockReading {
  /** Redis TIME minus this machine's clock, ms. */
  offsetMs: number;
  /** The round trip of the best of the samples, ms: the offset is true to within half of it. */
  rttMs: number;
}

export type ToAgent =
  /** One of the agent's workers' messages; a 'start' starts that worker's process. 'go' carries atMs. */
  | { type: 'worker'; worker: number; message: CoordinatorMessage }
  /** End that worker's process now (a worker that does not finish in time, a failed run). */
  | { type: 'kill'; worker: number }
  /** The run is over (or abandoned): stop whatever is left and wait for work again. */
  | { type: 'end'; reason: string };

export type FromAgent =
  | { type: 'accepted'; agent: number; presence: AgentPresence; clock: ClockReading }
  | { type: 'heartbeat'; agent: number }
  | { type: 'worker'; agent: number; worker: number; message: WorkerMessage }
  /** The schedule started on this agent, `lateMs` after the common start time by its clock. */
  | { type: 'started'; agent: number; lateMs: number }
  /** A worker process of the agent ended: `exit` undefined for an exit with code 0. */
  | { type: 'exit'; agent: number; worker: number; exit?: string };
