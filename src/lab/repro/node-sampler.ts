import type { ClusterSettings } from '../cluster.ts';
import { mergeServerCounters, parseServerCounters } from './server-counters.ts';
import type { ServerCounters } from './types.ts';

/** One scrape of one node's /metrics while the load ran. */
export interface NodeSample {
  /** ms since the sampler started. */
  atMs: number;
  /** process_resident_memory_bytes */
  rssBytes?: number;
  /** nodejs_heap_size_used_bytes */
  heapUsedBytes?: number;
  /** socket_io_buffered_bytes: what the node holds for its sockets and has not written yet. */
  bufferedBytes?: number;
  /** socket_io_connected */
  connected?: number;
}

export interface NodeSeries {
  metricsUrl: string;
  /** The successful scrapes, in order (none while a node is frozen, none after it is killed). */
  samples: NodeSample[];
  /** The counters of the node's last successful scrape: a killed node's count up to its death. */
  counters: ServerCounters | undefined;
}

/** Every node's memory over the run, as a signature reads it. */
export interface NodeWatch {
  nodes: NodeSeries[];
  /** When the first fault was injected, on the samples' clock; undefined without faults. */
  faultAtMs?: number;
  everyMs: number;
}

const GAUGES: Record<string, keyof Omit<NodeSample, 'atMs'>> = {
  process_resident_memory_bytes: 'rssBytes',
  nodejs_heap_size_used_bytes: 'heapUsedBytes',
  socket_io_buffered_bytes: 'bufferedBytes',
  socket_io_connected: 'connected',
};

/** Memory and connection gauges out of Prometheus text (pure). */
export function parseNodeGauges(text: string): Omit<NodeSample, 'atMs'> {
  const sample: Omit<NodeSample, 'atMs'> = {};
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{[^}]*\})?\s+(\S+)/.exec(line);
    const key = match ? GAUGES[match[1] as string] : undefined;
    if (!key) continue;
    const value = Number(match?.[2]);
    if (Number.isFinite(value)) sample[key] = (sample[key] ?? 0) + value;
  }
  return sample;
}

/** The last sample at or before `atMs`, else the first one. */
export function sampleAt(samples: readonly NodeSample[], atMs: number): NodeSample | undefined {
  let found: NodeSample | undefined;
  for (const sample of samples) {
    if (sample.atMs <= atMs) found = sample;
    else break;
  }
  return found ?? samples[0];
}

/** The servers' counters from the nodes' last scrapes; undefined when no node was ever scraped. */
export function watchedCounters(watch: NodeWatch): ServerCounters | undefined {
  const all = watch.nodes.flatMap((n) => (n.counters ? [n.counters] : []));
  return all.length === 0 ? undefined : mergeServerCounters(all);
}

export interface NodeSampler {
  /** Start scraping these nodes (called when the cluster has started). */
  watch(metricsUrls: readonly string[]): void;
  /** The first fault went in now. */
  markFault(): void;
  /** One last scrape of every node, then stop; the same answer when called again. */
  stop(): Promise<NodeWatch>;
}

/**
 * Scrapes every watched node's /metrics every `everyMs` while a variant's load plays: memory
 * (RSS, heap, the bytes held for sockets) over time, and the last counters each node gave. A
 * node that does not answer within the timeout (frozen, killed) is skipped; a scrape still in
 * flight is not started again.
 */
export function startNodeSampler(options: { everyMs?: number; timeoutMs?: number } = {}): NodeSampler {
  const everyMs = options.everyMs ?? 500;
  const timeoutMs = options.timeoutMs ?? Math.max(everyMs, 1_000);
  const startedMs = Date.now();
  const nodes: NodeSeries[] = [];
  const inFlight = new Set<NodeSeries>();
  let faultAtMs: number | undefined;
  let stopping: Promise<NodeWatch> | undefined;
  const scrape = async (node: NodeSeries) => {
    if (inFlight.has(node)) return;
    inFlight.add(node);
    try {
      const res = await fetch(node.metricsUrl, { signal: AbortSignal.timeout(timeoutMs) });
      const text = await res.text();
      if (!res.ok) return;
      node.samples.push({ atMs: Date.now() - startedMs, ...parseNodeGauges(text) });
      node.counters = parseServerCounters(text);
    } catch {
      // frozen or gone: its last scrape stands
    } finally {
      inFlight.delete(node);
    }
  };
  const timer = setInterval(() => {
    for (const node of nodes) void scrape(node);
  }, everyMs);
  timer.unref();
  return {
    watch(metricsUrls) {
      for (const metricsUrl of metricsUrls) {
        if (!metricsUrl || nodes.some((n) => n.metricsUrl === metricsUrl)) continue;
        const node: NodeSeries = { metricsUrl, samples: [], counters: undefined };
        nodes.push(node);
        void scrape(node);
      }
    },
    markFault() {
      faultAtMs ??= Date.now() - startedMs;
    },
    stop() {
      stopping ??= (async () => {
        clearInterval(timer);
        // Wait for the scrapes in flight, then one last look at every node that answers.
        while (inFlight.size > 0) await new Promise((resolve) => setTimeout(resolve, 20));
        await Promise.all(nodes.map(scrape));
        return { nodes, ...(faultAtMs !== undefined ? { faultAtMs } : {}), everyMs };
      })();
      return stopping;
    },
  };
}

/**
 * The cluster hooks that have `sampler` watch every node a run's cluster starts: the nodes it
 * starts with, and each replacement a restart-node fault brings up (a new process, with its own
 * /metrics and counters from zero).
 */
export function watchEveryNode(sampler: Pick<NodeSampler, 'watch'>): Pick<ClusterSettings, 'onStarted' | 'onNodeReplaced'> {
  return {
    onStarted: (nodes) => sampler.watch(nodes.map((n) => n.metricsUrl)),
    onNodeReplaced: (node) => sampler.watch([node.metricsUrl]),
  };
}
