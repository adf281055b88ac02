import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

/**
 * What the fault proxy can do to a link (in the spirit of Toxiproxy's toxics), one of each
 * type at a time: adding one replaces the last of its type.
 */
export type Toxic =
  /** Hold every chunk `latencyMs` plus up to `jitterMs` more (random per chunk), each direction; order is kept. */
  | { type: 'latency'; latencyMs: number; jitterMs?: number }
  /** At most this many bytes per second per connection and direction. */
  | { type: 'bandwidth'; bytesPerSec: number }
  /** Hold every chunk until the toxic is removed, then deliver them in order (the sender is backpressured meanwhile). */
  | { type: 'stall' }
  /** Drop every chunk, close nothing: both ends believe the link is up. The connections it held are cut when it is removed. */
  | { type: 'half-open' }
  /** Cut every connection and refuse new ones (accepted and reset at once) until removed. */
  | { type: 'partition' };

export interface SlowConsumers {
  /** Connections that stopped reading, and how many were open. */
  affected: number;
  open: number;
  /** They read again. */
  release(): void;
}

export interface FaultProxyOptions {
  /** Where the proxy forwards to. */
  target: { host: string; port: number };
  /** Where it listens; default 127.0.0.1 on a free port. */
  host?: string;
  port?: number;
}

export interface FaultProxy {
  host: string;
  port: number;
  /** Connections open through the proxy now. */
  readonly connections: number;
  /** Apply a toxic; the function returned removes it (no-op once replaced by another of its type). */
  add(toxic: Toxic): () => void;
  /**
   * A share of the open connections stop reading what the target sends (the target's sends
   * pile up in its buffers, as with a client that stops reading its socket). Spread evenly over
   * the connections in the order they opened; connections opened later read normally.
   */
  slowConsumers(share: number): SlowConsumers;
  close(): Promise<void>;
}

/** Queued bytes per direction before the sender is paused (TCP backpressure, as a real link would). */
const HIGH_WATER_BYTES = 1 << 20;
const LOW_WATER_BYTES = HIGH_WATER_BYTES / 4;

interface Link {
  client: Socket;
  upstream: Socket;
  pipes: Pipe[];
  /** The target-to-client side stopped reading (slow consumer). */
  slow: boolean;
}

interface Toxics {
  latency?: Extract<Toxic, { type: 'latency' }>;
  bandwidth?: Extract<Toxic, { type: 'bandwidth' }>;
  stall?: Toxic;
  'half-open'?: Toxic;
  partition?: Toxic;
}

/** One direction of one connection: a queue of chunks with the time each is due. */
class Pipe {
  private queue: { chunk: Buffer | null; dueMs: number }[] = [];
  private queuedBytes = 0;
  private lastDueMs = 0;
  private nextFreeMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private waitingDrain = false;
  /** Set when the consumer stopped reading: the source stays paused whatever the queue. */
  held = false;
  /** Called once the queue is empty (set when the source closed with chunks still to deliver). */
  whenIdle: (() => void) | undefined;

  get idle(): boolean {
    return this.queue.length === 0;
  }

  readonly from: Socket;
  readonly to: Socket;
  private readonly toxics: Toxics;

  constructor(from: Socket, to: Socket, toxics: Toxics) {
    this.from = from;
    this.to = to;
    this.toxics = toxics;
    from.on('data', (chunk: Buffer) => this.push(chunk));
    from.on('end', () => this.push(null));
    to.on('drain', () => {
      this.waitingDrain = false;
      this.pump();
    });
  }

  private push(chunk: Buffer | null): void {
    if (this.toxics['half-open']) return; // dropped on the floor, and nobody is told
    const now = Date.now();
    const latency = this.toxics.latency;
    const delayMs = latency ? latency.latencyMs + Math.random() * (latency.jitterMs ?? 0) : 0;
    const dueMs = Math.max(now + delayMs, this.lastDueMs);
    this.lastDueMs = dueMs;
    this.queue.push({ chunk, dueMs });
    if (chunk) {
      this.queuedBytes += chunk.length;
      if (this.queuedBytes > HIGH_WATER_BYTES) this.from.pause();
    }
    this.pump();
  }

  pump(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.toxics.stall || this.waitingDrain || this.to.destroyed) return;
    const now = Date.now();
    while (this.queue.length > 0) {
      const head = this.queue[0] as { chunk: Buffer | null; dueMs: number };
      const waitMs = Math.max(head.dueMs - now, this.toxics.bandwidth && head.chunk ? this.nextFreeMs - now : 0);
      if (waitMs > 0) {
        this.timer = setTimeout(() => this.pump(), waitMs);
        return;
      }
      if (head.chunk === null) {
        this.queue.shift();
        this.to.end();
        continue;
      }
      let chunk = head.chunk;
      const bandwidth = this.toxics.bandwidth;
      if (bandwidth) {
        // Slices of a twentieth of a second, so a big chunk trickles instead of going in one burst.
        const slice = Math.max(1, Math.floor(bandwidth.bytesPerSec / 20));
        if (chunk.length > slice) {
          head.chunk = chunk.subarray(slice);
          chunk = chunk.subarray(0, slice);
        } else {
          this.queue.shift();
        }
        this.nextFreeMs = Math.max(now, this.nextFreeMs) + (chunk.length / bandwidth.bytesPerSec) * 1_000;
      } else {
        this.queue.shift();
      }
      this.queuedBytes -= chunk.length;
      if (this.queuedBytes < LOW_WATER_BYTES && this.from.isPaused() && !this.held) this.from.resume();
      if (!this.to.write(chunk)) {
        this.waitingDrain = true;
        return;
      }
    }
    this.whenIdle?.();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue = [];
  }
}

/**
 * A TCP proxy of bazaar's own that breaks a link on demand: latency with jitter, a bandwidth
 * cap, stalls, half-open connections, partitions, and consumers that stop reading. Below HTTP,
 * so it acts on HTTP calls, WebSocket frames and Redis commands alike. With no toxic it only
 * forwards. (test/helpers/delay-proxy.ts is this proxy with a fixed latency.)
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const toxics: Toxics = {};
  const links = new Set<Link>();
  /** Connections open while half-open was on: cut when it goes. */
  const halfOpenVictims = new Set<Link>();

  const server = createServer((client) => {
    if (toxics.partition) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(options.target.port, options.target.host);
    const link: Link = { client, upstream, pipes: [], slow: false };
    link.pipes = [new Pipe(client, upstream, toxics), new Pipe(upstream, client, toxics)];
    links.add(link);
    if (toxics['half-open']) halfOpenVictims.add(link);
    const cut = () => {
      for (const pipe of link.pipes) pipe.stop();
      client.destroy();
      upstream.destroy();
      links.delete(link);
      halfOpenVictims.delete(link);
    };
    // Either side failing ends the pair at once; closing ends it once what it sent is delivered.
    client.on('error', cut);
    upstream.on('error', cut);
    const closeAfterFlush = (pipe: Pipe) => () => {
      if (pipe.idle) cut();
      else pipe.whenIdle = cut;
    };
    client.on('close', closeAfterFlush(link.pipes[0] as Pipe));
    upstream.on('close', closeAfterFlush(link.pipes[1] as Pipe));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' }, () => resolve());
  });
  const address = server.address() as AddressInfo;

  const cutAll = (which: Iterable<Link>) => {
    for (const link of [...which]) {
      link.client.resetAndDestroy();
      link.upstream.resetAndDestroy();
    }
  };

  return {
    host: address.address,
    port: address.port,
    get connections() {
      return links.size;
    },
    add(toxic) {
      (toxics as Record<string, Toxic>)[toxic.type] = toxic;
      if (toxic.type === 'partition') cutAll(links);
      if (toxic.type === 'half-open') for (const link of links) halfOpenVictims.add(link);
      return () => {
        if ((toxics as Record<string, Toxic | undefined>)[toxic.type] !== toxic) return;
        delete (toxics as Record<string, Toxic | undefined>)[toxic.type];
        if (toxic.type === 'half-open') {
          cutAll(halfOpenVictims);
          halfOpenVictims.clear();
        }
        for (const link of links) for (const pipe of link.pipes) pipe.pump();
      };
    },
    slowConsumers(share) {
      const open = [...links].filter((l) => !l.slow);
      const count = Math.min(open.length, Math.round(share * open.length));
      const chosen: Link[] = [];
      for (let i = 0; i < count; i++) chosen.push(open[Math.floor((i * open.length) / count)] as Link);
      for (const link of chosen) {
        link.slow = true;
        const toClient = link.pipes[1] as Pipe;
        toClient.held = true;
        link.upstream.pause();
      }
      let released = false;
      return {
        affected: chosen.length,
        open: open.length,
        release() {
          if (released) return;
          released = true;
          for (const link of chosen) {
            link.slow = false;
            (link.pipes[1] as Pipe).held = false;
            if (!link.upstream.destroyed) link.upstream.resume();
          }
        },
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const link of [...links]) {
          for (const pipe of link.pipes) pipe.stop();
          link.client.destroy();
          link.upstream.destroy();
        }
        links.clear();
        server.close(() => resolve());
      }),
  };
}
