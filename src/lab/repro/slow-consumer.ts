/* A share of clients stop reading their socket (a throttled tab, a stalled mobile link, a
 * paused process): Engine.IO's per-socket writeBuffer and the ws send buffer are unbounded, so
 * the server keeps every broadcast owed to them, and its memory grows at the rate their rooms
 * receive, until the heartbeat gives up on them. Fix: detect slow consumers (unsent bytes above
 * a bound for a grace period) and disconnect them. */
import { firstImpact, formatMs, serverReasons } from './fault-figures.ts';
import { sampleAt, type NodeWatch } from './node-sampler.ts';
import { defineScenario } from '../../scenario/index.ts';
import type { Scenario } from '../../scenario/types.ts';
import type { ReproEntry, ReproSize, ReproTopology } from './types.ts';

const FULL: ReproSize = { scale: 1, durationMs: 30_000 };
const BOOKINGS = 6;
/** '€' is 3 bytes in UTF-8: a body of 4,000 of them (the contract's longest) is 12 KB on the wire. */
const BODY = '€'.repeat(4_000);
/** Each party writes again this long after its last message was acked (or this long after sending, unacked). */
const SEND_EVERY_MS = 20;
const SLOW_SHARE = '25%';
/** How long a party waits for its ack before it writes again anyway (a client that stops reading keeps writing). */
const ACK_WAIT_MS = 30;
/** The fix's bound: well under a second of what one booking room receives here. */
export const FIX_MAX_BUFFERED_BYTES = 256 * 1024;
/**
 * Present: one node held at least HELD_THRESHOLD_BYTES unsent for HELD_FOR_MS in a row. A bound
 * that works lets a slow socket grow past it only for its grace (2 s) plus one check; without
 * one a slow socket's bytes stay until the heartbeat ends it (up to 45 s with the defaults).
 */
export const HELD_THRESHOLD_BYTES = 1024 * 1024;
export const HELD_FOR_MS = 5_000;

/** The longest stretch of consecutive samples of one node at or above `bytes` unsent, in ms (pure). */
export function longestHeldMs(watch: NodeWatch | undefined, bytes: number): number {
  let longest = 0;
  for (const node of watch?.nodes ?? []) {
    let since: number | undefined;
    for (const sample of node.samples) {
      if ((sample.bufferedBytes ?? 0) >= bytes) {
        since ??= sample.atMs;
        longest = Math.max(longest, sample.atMs - since);
      } else since = undefined;
    }
  }
  return longest;
}

/**
 * Both parties of every booking write 12 KB messages into it as fast as their acks come back, each
 * on its own: a party that stops reading gets no acks, yet its peer keeps writing to it (so
 * whichever side of a booking the fault slows, what it is owed keeps coming).
 */
export function busyChat(options: { bookings: number; durationMs: number }): Scenario & { name: string } {
  const bookings = Math.max(2, Math.round(options.bookings));
  return defineScenario({
    name: 'repro-busy-chat',
    world: { sellers: Math.max(1, Math.ceil(bookings / 2)), listingsPerSeller: 2, bookings },
    options: { deliveryTimeout: '2s', gracefulStop: '3s', reconnectTimeout: '20s', ackTimeout: '5s' },
    executor: { type: 'constant-vus', vus: bookings, duration: `${options.durationMs}ms` },
    async setup({ buyer, seller, booking }) {
      await Promise.all([buyer.join(booking!), seller.join(booking!)]);
    },
    async iteration({ buyer, seller, booking, think }) {
      // A second of writing per party; a send whose ack does not come is left to its ack timeout.
      const write = async (user: typeof buyer) => {
        const untilMs = Date.now() + 1_000;
        while (Date.now() < untilMs) {
          await Promise.race([user.send(booking!, BODY), think(ACK_WAIT_MS)]);
          await think(SEND_EVERY_MS);
        }
      };
      await Promise.all([write(buyer), write(seller)]);
    },
  }) as Scenario & { name: string };
}

/**
 * The fault comes early, once every client is connected and in its room: a socket's kernel buffers
 * grow with the traffic it has carried (receive autotuning), and the larger they have grown, the
 * longer a client that stops reading is absorbed by the kernels before the server's own buffers
 * see it (14 s at full traffic here, against about 1 s from the start).
 */
export function slowConsumerTimings(size: ReproSize): { atMs: number } {
  return { atMs: Math.min(2_000, Math.round(size.durationMs / 5)) };
}

const topology = (role: 'bug' | 'fix'): ReproTopology =>
  role === 'bug'
    ? { nodes: 2, adapter: 'redis', lb: 'sticky' }
    : { nodes: 2, adapter: 'redis', lb: 'sticky', slowConsumerMaxBufferedBytes: FIX_MAX_BUFFERED_BYTES };

/** What the nodes held after the fault, summed over the nodes (each node's figure at its own peak). */
export function heldAfterFault(watch: NodeWatch | undefined): {
  peakBufferedBytes: number;
  endBufferedBytes: number;
  rssAtFaultBytes: number;
  rssPeakGrowthBytes: number;
  heapPeakGrowthBytes: number;
  sampledNodes: number;
} {
  const out = { peakBufferedBytes: 0, endBufferedBytes: 0, rssAtFaultBytes: 0, rssPeakGrowthBytes: 0, heapPeakGrowthBytes: 0, sampledNodes: 0 };
  if (!watch) return out;
  const faultAtMs = watch.faultAtMs ?? 0;
  for (const node of watch.nodes) {
    if (node.samples.length === 0) continue;
    out.sampledNodes++;
    const atFault = sampleAt(node.samples, faultAtMs);
    const after = node.samples.filter((s) => s.atMs >= faultAtMs);
    const max = (key: 'bufferedBytes' | 'rssBytes' | 'heapUsedBytes') => Math.max(0, ...after.map((s) => s[key] ?? 0));
    out.peakBufferedBytes += max('bufferedBytes');
    out.endBufferedBytes += node.samples.at(-1)?.bufferedBytes ?? 0;
    out.rssAtFaultBytes += atFault?.rssBytes ?? 0;
    out.rssPeakGrowthBytes += Math.max(0, max('rssBytes') - (atFault?.rssBytes ?? 0));
    out.heapPeakGrowthBytes += Math.max(0, max('heapUsedBytes') - (atFault?.heapUsedBytes ?? 0));
  }
  return out;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KiB`;
  return `${Math.round(bytes)} B`;
}

export const slowConsumer: ReproEntry = {
  name: 'slow-consumer',
  summary: 'a share of clients stop reading: the server keeps every broadcast owed to them and its memory grows; fix: detect and disconnect slow consumers',
  needs: ['redis'],
  confidence: 'documented',
  links: [
    'https://github.com/socketio/engine.io/issues/420',
    'https://github.com/socketio/socket.io/issues/4435',
    'https://github.com/socketio/engine.io/pull/618',
  ],
  defaultSize: FULL,
  bug: { label: "Socket.IO's default: unbounded per-socket buffers", topology: topology('bug') },
  fix: { label: `slow consumers disconnected (over ${FIX_MAX_BUFFERED_BYTES / 1024} KiB unsent for 2 s)`, topology: topology('fix') },
  load(size) {
    const t = slowConsumerTimings(size);
    return {
      scenario: busyChat({ bookings: BOOKINGS * size.scale, durationMs: size.durationMs }),
      faults: [`slow-consumers ${SLOW_SHARE} at ${t.atMs}ms`],
    };
  },
  signature: {
    describe: `the nodes keep what slow clients do not read: a node holding at least ${formatBytes(HELD_THRESHOLD_BYTES)} unsent (socket_io_buffered_bytes) for ${HELD_FOR_MS / 1000} s in a row`,
    detect({ run, server, nodes }) {
      const impact = firstImpact(run);
      const held = heldAfterFault(nodes);
      if (held.sampledNodes === 0) throw new Error('no node answered /metrics during the run: nothing to judge the memory by');
      const heldMs = longestHeldMs(nodes, HELD_THRESHOLD_BYTES);
      const present = heldMs >= HELD_FOR_MS;
      const dropped = server?.disconnects['slow consumer'] ?? 0;
      const afterMs = run.durationMs - impact.atMs;
      return {
        present,
        summary: present
          ? `a node held ${formatBytes(HELD_THRESHOLD_BYTES)} or more unsent for ${formatMs(heldMs)} in a row; the nodes held up to ${formatBytes(held.peakBufferedBytes)} (${formatBytes(held.endBufferedBytes)} at the end, ${formatMs(afterMs)} after the clients stopped reading)`
          : `no node held ${formatBytes(HELD_THRESHOLD_BYTES)} unsent for ${HELD_FOR_MS / 1000} s (longest ${formatMs(heldMs)}; peak ${formatBytes(held.peakBufferedBytes)}, ${formatBytes(held.endBufferedBytes)} at the end); ${dropped} slow clients were disconnected by the bound`,
        figures: {
          fault: `${impact.label}${run.faults?.[0]?.detail ? ` (${run.faults[0].detail})` : ''}`,
          'unsent bytes held, peak after the fault': formatBytes(held.peakBufferedBytes),
          'unsent bytes held at the end': formatBytes(held.endBufferedBytes),
          [`longest a node held ${formatBytes(HELD_THRESHOLD_BYTES)}+ unsent`]: formatMs(heldMs),
          'node RSS at the fault': formatBytes(held.rssAtFaultBytes),
          'node RSS growth, peak after the fault': formatBytes(held.rssPeakGrowthBytes),
          'node heap growth, peak after the fault': formatBytes(held.heapPeakGrowthBytes),
          'slow clients disconnected by the server': dropped,
          'server disconnects by reason': serverReasons(server),
          'delivery p99 before': formatMs(impact.baselineP99Us === null ? null : impact.baselineP99Us / 1000),
          'delivery p99 worst in the window': formatMs(impact.worstP99Us === null ? null : impact.worstP99Us / 1000),
          'lost deliveries': Math.max(impact.violations.loss ?? 0, impact.deliveryTimeouts),
        },
      };
    },
  },
};
