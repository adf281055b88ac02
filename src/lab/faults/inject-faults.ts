import type { ReferenceCluster } from '../cluster.ts';
import type { FaultEvent } from './fault-impact.ts';
import type { FaultProxy, Toxic } from './fault-proxy.ts';
import type { Fault, FaultLink } from './fault-spec.ts';
import type { LabRedis } from './lab-redis.ts';

/** What faults act on: the lab's cluster, its Redis, and the proxies on its links. Absent parts refuse their faults. */
export interface FaultTargets {
  cluster?: Pick<ReferenceCluster, 'signalNode' | 'blockLoop'>;
  redis?: Pick<LabRedis, 'freeze' | 'thaw' | 'restart' | 'killSubscribers' | 'pid'>;
  proxies?: Partial<Record<FaultLink, FaultProxy>>;
}

export interface FaultInjectorOptions {
  faults: readonly Fault[];
  targets: FaultTargets;
  /** The run's clock: ms since the schedule started. Faults fire at their `atMs` on it. */
  elapsedMs(): number;
  /** Each fault as it is injected or lifted, and any that fails, for people. */
  onNotice?(message: string): void;
}

export interface FaultInjector {
  /** The faults injected so far, as result.json records them. */
  events(): FaultEvent[];
  /** Cancel the faults still to come and lift the ones in force (thaw, heal); safe to call twice. */
  stop(): Promise<void>;
}

interface Applied {
  detail: string;
  /** A process this fault stopped (SIGSTOP), to thaw should this process exit before lifting it. */
  stoppedPid?: number;
  /** Undo a lasting fault. */
  lift?(): Promise<void> | void;
  /** A fault that lasts by itself (a Redis restart): over when this settles. */
  over?: Promise<void>;
}

function toxicFor(fault: Fault): Toxic {
  switch (fault.kind) {
    case 'latency':
      return { type: 'latency', latencyMs: fault.latencyMs ?? 0, jitterMs: fault.jitterMs ?? 0 };
    case 'bandwidth':
      return { type: 'bandwidth', bytesPerSec: fault.bytesPerSec ?? 1 };
    case 'stall':
    case 'half-open':
    case 'partition':
      return { type: fault.kind };
    default:
      throw new Error(`${fault.kind} is not a network fault`);
  }
}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`this run has no ${what}`);
  return value;
}

async function apply(fault: Fault, targets: FaultTargets): Promise<Applied> {
  const node = fault.node as number;
  const cluster = () => need(targets.cluster, 'cluster started by bazaar');
  const redis = () => need(targets.redis, 'redis-server started by the lab');
  switch (fault.kind) {
    case 'kill-node':
    case 'drain-node':
    case 'restart-node': {
      const signal = fault.kind === 'kill-node' ? 'SIGKILL' : 'SIGTERM';
      const { pid } = await cluster().signalNode(node, signal, { replace: fault.kind === 'restart-node' });
      return { detail: `node ${node} pid ${pid} ${signal}` };
    }
    case 'freeze-node': {
      const { pid } = await cluster().signalNode(node, 'SIGSTOP');
      return { detail: `node ${node} pid ${pid} SIGSTOP`, stoppedPid: pid, lift: async () => void (await cluster().signalNode(node, 'SIGCONT')) };
    }
    case 'block-loop': {
      const { pid } = await cluster().blockLoop(node, fault.forMs);
      return { detail: `node ${node} pid ${pid} busy ${fault.forMs} ms`, over: new Promise((resolve) => setTimeout(resolve, fault.forMs)) };
    }
    case 'restart-redis': {
      const pid = redis().pid;
      return { detail: `redis-server pid ${pid} stopped, down ${fault.forMs} ms`, over: redis().restart(fault.forMs) };
    }
    case 'freeze-redis': {
      redis().freeze();
      return { detail: `redis-server pid ${redis().pid} SIGSTOP`, lift: () => redis().thaw() };
    }
    case 'kill-redis-subscribers': {
      const killed = await redis().killSubscribers();
      return { detail: `${killed} subscriber connections cut` };
    }
    case 'slow-consumers': {
      const slow = need(targets.proxies?.entry, 'proxy on the entry link').slowConsumers(fault.share ?? 0);
      return { detail: `${slow.affected} of ${slow.open} client connections stopped reading`, lift: () => slow.release() };
    }
    default: {
      const link = fault.link as FaultLink;
      const proxy = need(targets.proxies?.[link], `proxy on the ${link} link`);
      const remove = proxy.add(toxicFor(fault));
      return { detail: `${proxy.connections} connections on the ${link} link`, lift: remove };
    }
  }
}

/**
 * Plays a run's faults on its clock (docs/faults.md): each is injected at its time, lifted after
 * its duration, and recorded as an event. A fault that cannot be injected is recorded as not
 * applied, with the reason, and the run goes on.
 */
export function startFaultInjector(options: FaultInjectorOptions): FaultInjector {
  const notice = options.onNotice ?? (() => {});
  const events: FaultEvent[] = [];
  const timers = new Set<NodeJS.Timeout>();
  /** Faults in force, with how to lift them. */
  const active = new Map<FaultEvent, () => Promise<void>>();
  const running = new Set<Promise<void>>();
  let stopped = false;
  const now = () => Math.round(options.elapsedMs());
  // Should this process die with a node frozen, the node could not even see its cluster go: thaw it.
  const stoppedPids = new Set<number>();
  const thawOnExit = () => {
    for (const pid of stoppedPids) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // gone already
      }
    }
  };
  process.on('exit', thawOnExit);

  const later = (ms: number, run: () => Promise<void>) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      const job = run().finally(() => running.delete(job));
      running.add(job);
    }, Math.max(0, ms));
    timers.add(timer);
  };

  const fire = async (fault: Fault) => {
    const event: FaultEvent = { kind: fault.kind, label: fault.label, atMs: now(), endMs: now(), applied: true };
    events.push(event);
    try {
      const applied = await apply(fault, options.targets);
      event.detail = applied.detail;
      if (applied.stoppedPid !== undefined) stoppedPids.add(applied.stoppedPid);
      notice(`fault: ${fault.label}: ${applied.detail}`);
      let lifted = false;
      const lift = async () => {
        if (lifted) return;
        lifted = true;
        active.delete(event);
        try {
          await applied.lift?.();
          await applied.over;
          if (applied.stoppedPid !== undefined) stoppedPids.delete(applied.stoppedPid);
        } catch (error) {
          event.error = `lifting it failed: ${(error as Error).message}`;
          notice(`fault: ${fault.label}: ${event.error}`);
        }
        event.endMs = Math.max(event.atMs, now());
      };
      if (applied.over) {
        active.set(event, lift);
        await lift();
      } else if (applied.lift) {
        active.set(event, lift);
        // slow-consumers without a duration holds until the run ends (stop()).
        if (fault.forMs > 0) later(fault.atMs + fault.forMs - options.elapsedMs(), lift);
      } else {
        event.endMs = event.atMs;
      }
    } catch (error) {
      event.applied = false;
      event.error = (error as Error).message;
      notice(`fault: ${fault.label} could not be injected: ${event.error}`);
    }
  };

  for (const fault of options.faults) later(fault.atMs - options.elapsedMs(), () => (stopped ? Promise.resolve() : fire(fault)));

  let stopping: Promise<void> | undefined;
  return {
    events: () => events.map((e) => ({ ...e })),
    stop() {
      stopping ??= (async () => {
        stopped = true;
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        await Promise.allSettled([...running]);
        await Promise.allSettled([...active.values()].map((lift) => lift()));
        thawOnExit(); // a lift that failed (the cluster already gone) leaves nothing stopped either
        stoppedPids.clear();
        process.removeListener('exit', thawOnExit);
      })();
      return stopping;
    },
  };
}
