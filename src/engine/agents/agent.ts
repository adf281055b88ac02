import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { availableParallelism, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkRedisUrl, redactUrl } from '../../lab/redis-provider.ts';
import { connectCoordinatorRedis } from './coordinator-redis.ts';
import type { CoordinatorMessage } from '../workers/protocol.ts';
import { forkWorker, type WorkerLink } from '../workers/worker-link.ts';
import { measureClock, nowMs } from './clock.ts';
import { materializeScenario } from './scenario-copy.ts';
import { DEFAULT_PREFIX, keys, type AgentJob, type AgentPresence, type FromAgent, type ToAgent } from './protocol.ts';

/*
 * `bazaar agent` (issue 15 §2): a process on a load machine that waits in Redis for work. It
 * says it is there (a presence key it keeps refreshing), takes a job a coordinator pushed to its
 * inbox, starts the job's worker processes here (../workers/worker-main.ts, as `--workers` does),
 * relays their messages both ways through the run's keys, starts them at the run's common start
 * time by its own clock corrected against Redis TIME, heartbeats while it works, and goes back
 * to waiting when the run ends, is stopped, or its coordinator lets go of it.
 */

export interface AgentOptions {
  /** redis://host:6379: where coordinators post work. */
  redisUrl: string;
  /** How logs and coordinators name this agent (default: the host name). */
  name?: string;
  prefix?: string;
  /** Where shipped scenario files are written (default: a bazaar-agent folder in the temp dir). */
  workDir?: string;
  /** Stops the agent: a run in progress is stopped first. */
  signal?: AbortSignal;
  /** One line per thing the agent does. */
  log?: (line: string) => void;
  /** Play one run, then stop (a Kubernetes Job's pod that should complete). */
  once?: boolean;
  /** Heartbeats while working (default 500 ms; coordinators give up on an agent after 3 s). */
  heartbeatEveryMs?: number;
}

const PRESENCE_TTL_MS = 5_000;
const PRESENCE_EVERY_MS = 1_000;
/** After a stop or a lost coordinator, how long workers may take to finish before they are killed. */
const WIND_DOWN_MS = 15_000;
const STREAM_MAXLEN = 100_000;

/** Waits for work until `signal` aborts; resolves then. */
export async function runAgent(options: AgentOptions): Promise<void> {
  const url = checkRedisUrl(options.redisUrl, '--coordinator');
  const k = keys(options.prefix ?? DEFAULT_PREFIX);
  const log = options.log ?? (() => {});
  const name = options.name ?? hostname();
  const presence: AgentPresence = {
    id: `${name}-${process.pid}-${randomBytes(3).toString('hex')}`, name, host: hostname(), pid: process.pid, cores: availableParallelism(),
  };
  const workDir = options.workDir ?? join(tmpdir(), 'bazaar-agent');
  const heartbeatEveryMs = options.heartbeatEveryMs ?? 500;
  const redis = await connectCoordinatorRedis(url);
  const blocking = redis.duplicate();
  blocking.on('error', () => {});
  const stopped = options.signal ?? new AbortController().signal;
  const announce = () => redis.set(k.presence(presence.id), JSON.stringify(presence), 'PX', PRESENCE_TTL_MS).catch(() => {});
  await announce();
  const presenceTimer = setInterval(() => void announce(), PRESENCE_EVERY_MS);
  const onStop = () => blocking.disconnect(); // ends a waiting BLPOP at once
  stopped.addEventListener('abort', onStop, { once: true });
  log(`agent ${name} (id ${presence.id}, ${presence.cores} cores) waiting for work on ${redactUrl(url)}`);
  try {
    while (!stopped.aborted) {
      let popped: [string, string] | null = null;
      try {
        popped = await blocking.blpop(k.inbox(presence.id), 1);
      } catch {
        if (stopped.aborted) break;
        await new Promise((resolve) => setTimeout(resolve, 500));
        continue;
      }
      if (!popped) continue;
      const job = JSON.parse(popped[1]) as AgentJob;
      try {
        await playJob(job);
      } catch (error) {
        log(`run ${job.runId}: failed on this agent: ${(error as Error).message}`);
      }
      if (options.once) break;
      if (!stopped.aborted) log(`agent ${name} waiting for work again`);
    }
  } finally {
    clearInterval(presenceTimer);
    stopped.removeEventListener('abort', onStop);
    await redis.del(k.presence(presence.id)).catch(() => {});
    blocking.disconnect();
    await redis.quit().catch(() => redis.disconnect());
    log(`agent ${name} stopped`);
  }

  async function playJob(job: AgentJob): Promise<void> {
    const tag = `run ${job.runId}`;
    const from = k.fromAgents(job.runId);
    const post = (message: FromAgent) =>
      void redis.xadd(from, 'MAXLEN', '~', STREAM_MAXLEN, '*', 'm', JSON.stringify(message)).catch(() => {});
    const scenario = materializeScenario(job.scenario, join(workDir, job.runId));
    log(`${tag}: agent ${job.agent + 1} of ${job.agents}, ${job.workers} worker${job.workers === 1 ? '' : 's'} ` +
      `(run-wide ${job.firstWorker + 1}-${job.firstWorker + job.workers}), scenario ${scenario.describe}, for ${job.coordinator}`);
    const clock = await measureClock(() => redis.time());
    log(`${tag}: clock ${clock.offsetMs >= 0 ? '+' : ''}${clock.offsetMs} ms from Redis TIME (round trip ${clock.rttMs} ms)`);
    post({ type: 'accepted', agent: job.agent, presence, clock });

    const workers = new Map<number, WorkerLink>();
    const exited = new Set<number>();
    let reportedStart = false;
    let announcedStart = false;
    let ending: string | undefined;
    let wake: () => void = () => {};
    const finish = (why: string) => {
      if (ending) return;
      ending = why;
      wake();
    };
    const heartbeat = setInterval(() => {
      post({ type: 'heartbeat', agent: job.agent });
      void redis.get(k.claim(presence.id)).then((holder) => {
        if (holder !== job.runId) finish('the coordinator let go of this agent (it is gone, or the run is over)');
      }, () => {});
    }, heartbeatEveryMs);
    const onStop = () => finish('this agent is stopping');
    stopped.addEventListener('abort', onStop, { once: true });
    const inbox = redis.duplicate();
    inbox.on('error', () => {});

    const handle = (message: ToAgent) => {
      if (message.type === 'end') return finish(message.reason);
      if (message.type === 'kill') return workers.get(message.worker)?.kill();
      const { worker, message: inner } = message;
      if (inner.type === 'start') {
        if (workers.has(worker)) return;
        const link = forkWorker();
        workers.set(worker, link);
        log(`${tag}: worker ${worker + 1} started (pid ${link.pid})`);
        link.onMessage((m) => post({ type: 'worker', agent: job.agent, worker, message: m }));
        link.onGone((exit) => {
          exited.add(worker);
          log(`${tag}: worker ${worker + 1} (pid ${link.pid}) ${exit ?? 'finished'}`);
          post({ type: 'exit', agent: job.agent, worker, ...(exit ? { exit } : {}) });
          if (exited.size === job.workers) finish('every worker finished');
        });
        const spec = { ...inner.spec, scenario: scenario.path, ...(scenario.copy ? { importBazaarHere: true } : {}) };
        link.send({ type: 'start', spec });
        return;
      }
      if (inner.type === 'go' && inner.atMs !== undefined) {
        // The common start, on Redis's clock, turned into this machine's.
        const atLocalMs = inner.atMs - clock.offsetMs;
        const startIn = Math.max(0, atLocalMs - nowMs());
        if (!announcedStart) log(`${tag}: starting in ${Math.round(startIn)} ms`);
        announcedStart = true;
        setTimeout(() => {
          workers.get(worker)?.send({ type: 'go' } satisfies CoordinatorMessage);
          if (!reportedStart) {
            reportedStart = true;
            post({ type: 'started', agent: job.agent, lateMs: Math.round((nowMs() - atLocalMs) * 1000) / 1000 });
          }
        }, startIn);
        return;
      }
      if (inner.type === 'stop') log(`${tag}: stopping worker ${worker + 1}: ${inner.reason}`);
      workers.get(worker)?.send(inner);
    };

    try {
      const ended = new Promise<void>((resolve) => (wake = resolve));
      const listen = (async () => {
        while (!ending) {
          try {
            const popped = await inbox.blpop(k.toAgent(job.runId, job.agent), 1);
            if (popped) handle(JSON.parse(popped[1]) as ToAgent);
          } catch {
            if (!ending) await new Promise((resolve) => setTimeout(resolve, 200));
          }
        }
      })();
      await ended;
      log(`${tag}: ending: ${ending}`);
      // Workers still playing are stopped (they report and exit), and killed if they take too long.
      const left = [...workers].filter(([index]) => !exited.has(index));
      for (const [, link] of left) link.send({ type: 'stop', reason: ending ?? 'the run is over' });
      const windDown = setTimeout(() => left.forEach(([, link]) => link.kill()), WIND_DOWN_MS);
      await Promise.all(left.map(([, link]) => link.gone));
      clearTimeout(windDown);
      inbox.disconnect();
      await listen;
    } finally {
      clearInterval(heartbeat);
      stopped.removeEventListener('abort', onStop);
      inbox.disconnect();
      if (scenario.copy) rmSync(join(workDir, job.runId), { recursive: true, force: true });
    }
  }
}
