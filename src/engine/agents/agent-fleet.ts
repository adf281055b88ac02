import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BazaarError } from '../../errors.ts';
import { checkRedisUrl, redactUrl } from '../../lab/redis-provider.ts';
import { connectCoordinatorRedis } from './coordinator-redis.ts';
import { resolveScenarioPath } from '../../scenario/load-scenario.ts';
import type { WorkerFleet } from '../workers/coordinator.ts';
import type { CoordinatorMessage, WorkerMessage } from '../workers/protocol.ts';
import type { WorkerLink } from '../workers/worker-link.ts';
import { clockDifference, measureClock, nowMs } from './clock.ts';
import { sha256 } from './scenario-copy.ts';
import { DEFAULT_PREFIX, keys, type AgentJob, type AgentPresence, type ClockReading, type FromAgent, type ScenarioSource, type ToAgent } from './protocol.ts';

/*
 * The coordinator's side of a run on agents (issue 15 §2): it finds K idle agents in Redis,
 * claims them for the run, sends each its job, and gives the coordinator (../workers/
 * coordinator.ts) one RedisAgentLink per worker process of every agent: the same WorkerLink a
 * forked worker has, so the run merges, judges and reports exactly as with local workers.
 */

/** One agent as the result reports it. */
export interface AgentFigures {
  /** 1-based. */
  agent: number;
  id: string;
  name: string;
  host: string;
  pid: number;
  /** Its workers' run-wide numbers (1-based), as result.workers counts them. */
  workers: number[];
  /** The agent's clock minus the coordinator's, ms (both read against Redis TIME). */
  clockOffsetMs: number;
  /** How far that offset may be off: half of both round trips to Redis, ms. */
  clockUncertaintyMs: number;
  /** How late its schedule started after the common start time, by its own clock corrected by its offset, ms. */
  startedLateMs?: number;
  /** How it was lost, when it was (missed heartbeats). */
  lost?: string;
}

export interface AgentsSummary {
  count: number;
  runId: string;
  /** The coordinating Redis (password redacted). */
  redis: string;
  /** The coordinator's own clock against Redis TIME. */
  coordinatorClock: ClockReading;
  /** How far ahead the common start time was chosen, ms. */
  startLeadMs: number;
  agents: AgentFigures[];
}

export interface AgentFleetOptions {
  /** redis://host:6379: the Redis the agents wait on. */
  redisUrl: string;
  agents: number;
  workersPerAgent: number;
  /** A scenario file or shipped name. */
  scenario: string;
  prefix?: string;
  /** How long to wait for enough idle agents (default 30 s). */
  waitForAgentsMs?: number;
  /** An agent not heard from for this long is lost (default 3 s; agents beat every 500 ms). */
  heartbeatTimeoutMs?: number;
  /** How far ahead the common start time is set (default 500 ms). */
  startLeadMs?: number;
  onNotice?: (message: string) => void;
}

export interface AgentFleet extends WorkerFleet {
  readonly runId: string;
  /** Ends the run on every agent (they go back to waiting) and deletes the run's keys. */
  close(): Promise<void>;
}

const SHIPPED_DIR = fileURLToPath(new URL('../../../scenarios/', import.meta.url));
const CLAIM_MS = 5_000;
const ACCEPT_TIMEOUT_MS = 15_000;
const RUN_KEYS_EXPIRE_S = 3_600;

interface AgentState {
  index: number;
  presence: AgentPresence;
  clock?: ClockReading;
  lastHeardMs: number;
  startedLateMs?: number;
  lost?: string;
  links: RedisAgentLink[];
}

/** How the scenario travels: a shipped name as is; a file as its path and content. */
export function scenarioSource(scenario: string): ScenarioSource {
  const file = resolveScenarioPath(scenario);
  if (file.startsWith(SHIPPED_DIR)) return { name: basename(file).replace(/\.[mc]?[jt]s$/, '') };
  const content = readFileSync(file, 'utf8');
  return { path: file, content, sha256: sha256(content) };
}

/** Finds, claims and briefs the agents; the returned fleet hands the coordinator their links. */
export async function openAgentFleet(options: AgentFleetOptions): Promise<AgentFleet> {
  const url = checkRedisUrl(options.redisUrl, '--coordinator');
  const k = keys(options.prefix ?? DEFAULT_PREFIX);
  const notice = options.onNotice ?? (() => {});
  const heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? 3_000;
  const startLeadMs = options.startLeadMs ?? 500;
  const runId = randomBytes(6).toString('hex');
  const source = scenarioSource(options.scenario);
  const redis = await connectCoordinatorRedis(url, { maxRetriesPerRequest: 2 });
  const reader = redis.duplicate();
  reader.on('error', () => {});
  const agents: AgentState[] = [];
  const timers: NodeJS.Timeout[] = [];
  let closed = false;
  const release = async () => {
    for (const agent of agents) {
      // Only this run's claim: an agent that another run took since is not ours to free.
      if ((await redis.get(k.claim(agent.presence.id))) === runId) await redis.del(k.claim(agent.presence.id));
    }
  };

  try {
    // Claim K idle agents: alive (presence), not held by another run (claim).
    const deadline = Date.now() + (options.waitForAgentsMs ?? 30_000);
    let seen = 0;
    for (;;) {
      const present: AgentPresence[] = [];
      let cursor = '0';
      do {
        const [next, found] = await redis.scan(cursor, 'MATCH', k.presencePattern, 'COUNT', 200);
        cursor = next;
        for (const value of found.length ? await redis.mget(found) : []) if (value) present.push(JSON.parse(value) as AgentPresence);
      } while (cursor !== '0');
      seen = present.length;
      present.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
      for (const presence of present) {
        if (agents.length === options.agents) break;
        if (agents.some((a) => a.presence.id === presence.id)) continue;
        if ((await redis.set(k.claim(presence.id), runId, 'PX', CLAIM_MS, 'NX')) === 'OK') {
          agents.push({ index: agents.length, presence, lastHeardMs: performance.now(), links: [] });
        }
      }
      if (agents.length === options.agents) break;
      if (Date.now() > deadline) {
        throw new BazaarError('BAZAAR_AGENTS_UNAVAILABLE',
          `${agents.length} of the ${options.agents} agents asked for were free on ${redactUrl(url)} (${seen} agents seen, the others busy with other runs)`,
          `start more agents (bazaar agent --coordinator ${redactUrl(url)}), or ask for fewer with --agents`);
      }
      // Keep what is claimed while waiting for more.
      for (const agent of agents) await redis.pexpire(k.claim(agent.presence.id), CLAIM_MS);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    timers.push(setInterval(() => {
      for (const agent of agents) void redis.pexpire(k.claim(agent.presence.id), CLAIM_MS).catch(() => {});
    }, 1_000));

    // Brief them.
    const stream = k.fromAgents(runId);
    for (const agent of agents) {
      const job: AgentJob = {
        runId, agent: agent.index, agents: options.agents, workers: options.workersPerAgent,
        firstWorker: agent.index * options.workersPerAgent, scenario: source, coordinator: `${hostname()} pid ${process.pid}`,
      };
      await redis.multi().rpush(k.inbox(agent.presence.id), JSON.stringify(job)).pexpire(k.inbox(agent.presence.id), ACCEPT_TIMEOUT_MS).exec();
    }
    const coordinatorClock = await measureClock(() => redis.time());

    // Read what the agents send, for as long as the run lasts.
    let lastId = '0';
    const links: RedisAgentLink[] = [];
    const dispatch = (message: FromAgent) => {
      const agent = agents[message.agent];
      if (!agent) return;
      agent.lastHeardMs = performance.now();
      switch (message.type) {
        case 'accepted':
          agent.presence = message.presence;
          agent.clock = message.clock;
          return;
        case 'started':
          agent.startedLateMs = message.lateMs;
          return;
        case 'worker':
          agent.links[message.worker]?.deliver(message.message);
          return;
        case 'exit':
          agent.links[message.worker]?.end(message.exit);
          return;
      }
    };
    void (async () => {
      while (!closed) {
        try {
          const read = await reader.xread('COUNT', 500, 'BLOCK', 500, 'STREAMS', stream, lastId);
          for (const [, entries] of read ?? []) {
            for (const [id, fields] of entries) {
              lastId = id;
              dispatch(JSON.parse(fields[1] as string) as FromAgent);
            }
          }
        } catch {
          if (!closed) await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
    })();

    // Every agent takes its job within a few seconds, or the run does not start.
    const acceptBy = performance.now() + ACCEPT_TIMEOUT_MS;
    while (agents.some((a) => !a.clock)) {
      if (performance.now() > acceptBy) {
        const missing = agents.filter((a) => !a.clock).map((a) => `${a.presence.name} (${a.presence.host})`);
        throw new BazaarError('BAZAAR_AGENTS_UNAVAILABLE', `agents ${missing.join(', ')} did not take their job within ${ACCEPT_TIMEOUT_MS / 1000} s`,
          'check that those agents are running and can reach Redis (their logs say what they do)');
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    for (const agent of agents) agent.lastHeardMs = performance.now();

    // An agent not heard from in time is lost, and with it every worker of its not yet gone.
    timers.push(setInterval(() => {
      for (const agent of agents) {
        const silentMs = performance.now() - agent.lastHeardMs;
        if (agent.lost || silentMs < heartbeatTimeoutMs || agent.links.every((l) => l.isGone)) continue;
        agent.lost = `no heartbeat for ${(silentMs / 1000).toFixed(1)} s`;
        notice(`agent ${agent.index + 1} (${agent.presence.name} on ${agent.presence.host}) is lost: ${agent.lost}`);
        for (const link of agent.links) link.end(`was lost with its agent (${agent.lost})`);
      }
    }, 250));

    const send = (agent: AgentState, message: ToAgent) =>
      void redis.rpush(k.toAgent(runId, agent.index), JSON.stringify(message)).catch(() => {});
    for (const agent of agents) await redis.expire(k.toAgent(runId, agent.index), RUN_KEYS_EXPIRE_S);
    await redis.xadd(stream, '*', 'm', JSON.stringify({ type: 'heartbeat', agent: -1 })).then(() => redis.expire(stream, RUN_KEYS_EXPIRE_S));

    const summary = (): AgentsSummary => ({
      count: agents.length,
      runId,
      redis: redactUrl(url),
      coordinatorClock,
      startLeadMs,
      agents: agents.map((a) => {
        const difference = a.clock ? clockDifference(a.clock, coordinatorClock) : { offsetMs: 0, uncertaintyMs: 0 };
        return {
          agent: a.index + 1,
          id: a.presence.id,
          name: a.presence.name,
          host: a.presence.host,
          pid: a.presence.pid,
          workers: a.links.map((l) => l.workerIndex + 1),
          clockOffsetMs: difference.offsetMs,
          clockUncertaintyMs: difference.uncertaintyMs,
          ...(a.startedLateMs === undefined ? {} : { startedLateMs: a.startedLateMs }),
          ...(a.lost ? { lost: a.lost } : {}),
        };
      }),
    });

    return {
      runId,
      start() {
        const index = links.length;
        const agent = agents[Math.floor(index / options.workersPerAgent)];
        if (!agent) throw new Error(`worker ${index + 1} is more than ${options.agents} agents × ${options.workersPerAgent} workers`);
        const link = new RedisAgentLink(index, agent.links.length, agent.index, agent.presence, (message) =>
          send(agent, message));
        agent.links.push(link);
        links.push(link);
        return link;
      },
      describe: () => `agents: ${agents.length} (run ${runId} on ${redactUrl(url)}), ${options.workersPerAgent} worker${options.workersPerAgent === 1 ? '' : 's'} each: ` +
        summary().agents.map((a) => `agent ${a.agent} ${a.name} on ${a.host} (clock ${signed(a.clockOffsetMs)} ms ±${a.clockUncertaintyMs})`).join(', '),
      async go() {
        const atMs = nowMs() + coordinatorClock.offsetMs + startLeadMs;
        return { message: { type: 'go', atMs } as CoordinatorMessage, startsInMs: startLeadMs };
      },
      report: () => ({ agents: summary() }),
      async close() {
        if (closed) return;
        closed = true;
        for (const timer of timers) clearInterval(timer);
        try {
          for (const agent of agents) await redis.rpush(k.toAgent(runId, agent.index), JSON.stringify({ type: 'end', reason: 'the run is over' } satisfies ToAgent));
          // An agent that has not read its 'end' yet sees its claim gone within a heartbeat.
          await release();
          await redis.del(stream, ...agents.map((a) => k.toAgent(runId, a.index)));
        } finally {
          reader.disconnect();
          await redis.quit().catch(() => redis.disconnect());
        }
      },
    };
  } catch (error) {
    closed = true;
    for (const timer of timers) clearInterval(timer);
    await release().catch(() => {});
    await redis.del(k.fromAgents(runId), ...agents.map((a) => k.toAgent(runId, a.index)), ...agents.map((a) => k.inbox(a.presence.id))).catch(() => {});
    reader.disconnect();
    redis.disconnect();
    throw error;
  }
}

const signed = (n: number) => (n >= 0 ? `+${n}` : `${n}`);

/** One worker process of an agent, as the coordinator sees it: a WorkerLink over Redis. */
export class RedisAgentLink implements WorkerLink {
  pid = 0;
  readonly label: string;
  readonly where: string;
  readonly gone: Promise<void>;
  isGone = false;
  private readonly messageListeners: ((message: WorkerMessage) => void)[] = [];
  private readonly goneListeners: ((exit: string | undefined) => void)[] = [];
  private resolveGone: () => void = () => {};

  readonly workerIndex: number;
  private readonly localWorker: number;
  private readonly post: (message: ToAgent) => void;

  constructor(workerIndex: number, localWorker: number, agent: number, presence: AgentPresence, post: (message: ToAgent) => void) {
    this.workerIndex = workerIndex;
    this.localWorker = localWorker;
    this.post = post;
    this.where = `agent ${agent + 1} (${presence.name} on ${presence.host})`;
    this.label = `${this.where}, its worker ${localWorker + 1}`;
    this.gone = new Promise<void>((resolve) => (this.resolveGone = resolve));
  }

  send(message: CoordinatorMessage): void {
    if (!this.isGone) this.post({ type: 'worker', worker: this.localWorker, message });
  }

  onMessage(listener: (message: WorkerMessage) => void): void {
    this.messageListeners.push(listener);
  }

  onGone(listener: (exit: string | undefined) => void): void {
    this.goneListeners.push(listener);
  }

  kill(): void {
    if (!this.isGone) this.post({ type: 'kill', worker: this.localWorker });
  }

  /** A message from the worker, relayed by its agent. */
  deliver(message: WorkerMessage): void {
    if (this.isGone) return;
    if (message.type === 'ready') this.pid = message.pid;
    for (const listener of this.messageListeners) listener(message);
  }

  /** The worker is gone: its process ended (as its agent saw), or its agent was lost. */
  end(exit: string | undefined): void {
    if (this.isGone) return;
    this.isGone = true;
    for (const listener of this.goneListeners) listener(exit);
    this.resolveGone();
  }
}
