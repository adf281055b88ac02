/*
 * Faults a run injects on its timeline (docs/faults.md): what a scenario or `--fault` declares,
 * and the checked form the injector plays. Types and the table of kinds only; parsing is in
 * parse-fault.ts, playing in inject-faults.ts.
 */

export const FAULT_KINDS = [
  'kill-node', 'drain-node', 'restart-node', 'freeze-node', 'block-loop',
  'restart-redis', 'freeze-redis', 'kill-redis-subscribers',
  'latency', 'bandwidth', 'stall', 'half-open', 'partition',
  'slow-consumers',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** The links a network fault can sit on: clients to the entry, or the nodes to Redis. */
export const FAULT_LINKS = ['entry', 'redis'] as const;
export type FaultLink = (typeof FAULT_LINKS)[number];

/** What a fault acts on, and whether it needs a duration. */
export interface FaultKindInfo {
  target: 'node' | 'redis' | 'link' | 'clients';
  /** required: `for` must be given; optional: may be; none: the fault is an instant. */
  duration: 'required' | 'optional' | 'none';
  /** One line for `--help` and docs/faults.md. */
  what: string;
}

export const FAULT_KIND_INFO: Record<FaultKind, FaultKindInfo> = {
  'kill-node': { target: 'node', duration: 'none', what: 'SIGKILL a node: a crash; it stays down for the rest of the run' },
  'drain-node': { target: 'node', duration: 'none', what: 'SIGTERM a node: it tells its clients and exits; no replacement' },
  'restart-node': { target: 'node', duration: 'none', what: 'SIGTERM a node and start a replacement (a rolling restart of one node)' },
  'freeze-node': { target: 'node', duration: 'required', what: 'SIGSTOP a node, SIGCONT after the duration' },
  'block-loop': { target: 'node', duration: 'required', what: "keep a node's event loop busy for the duration" },
  'restart-redis': { target: 'redis', duration: 'optional', what: 'stop the lab\'s redis-server and start it again on its port after the duration (default at once)' },
  'freeze-redis': { target: 'redis', duration: 'required', what: 'SIGSTOP the lab\'s redis-server, SIGCONT after the duration' },
  'kill-redis-subscribers': { target: 'redis', duration: 'none', what: 'CLIENT KILL TYPE pubsub on the lab\'s redis-server' },
  latency: { target: 'link', duration: 'required', what: 'add latency (and jitter) to every chunk on the link, in order' },
  bandwidth: { target: 'link', duration: 'required', what: 'cap each connection on the link to a rate, each direction' },
  stall: { target: 'link', duration: 'required', what: 'hold every chunk on the link for the duration, then deliver them' },
  'half-open': { target: 'link', duration: 'required', what: 'stop forwarding without closing (data is dropped); the connections are cut at the end' },
  partition: { target: 'link', duration: 'required', what: 'cut every connection on the link and refuse new ones for the duration' },
  'slow-consumers': { target: 'clients', duration: 'optional', what: 'a share of the client connections stop reading their socket (to the end of the run without a duration)' },
};

/** A fault as a scenario declares it, e.g. `{ at: '20s', kind: 'kill-node', node: 1 }`. */
export interface FaultSpec {
  kind: FaultKind;
  /** When, on the scenario's timeline (scaled with --duration), e.g. '20s'. */
  at: string;
  /** How long, for the kinds that last, e.g. '5s'. */
  for?: string;
  /** The node's index, as `bazaar serve --nodes` numbers them (0, 1, ...). */
  node?: number;
  /** For network faults: 'entry' (clients to the entry) or 'redis' (the nodes to Redis). */
  link?: FaultLink;
  /** latency: the added delay, e.g. '200ms'. */
  latency?: string;
  /** latency: up to this much more, at random per chunk (order is kept), e.g. '50ms'. */
  jitter?: string;
  /** bandwidth: per connection and direction, e.g. '64kB/s', '1MB/s', '512KiB/s'. */
  rate?: string;
  /** slow-consumers: the share of connections that stop reading, 0.2 or '20%'. */
  share?: number | string;
}

/** A fault checked and ready to play: times in ms from the start of the schedule. */
export interface Fault {
  kind: FaultKind;
  atMs: number;
  /** 0 for an instant. */
  forMs: number;
  node?: number;
  link?: FaultLink;
  latencyMs?: number;
  jitterMs?: number;
  bytesPerSec?: number;
  /** 0 < share <= 1. */
  share?: number;
  /** The fault in `--fault` syntax, for people: 'freeze-node 1 at 20s for 5s'. */
  label: string;
}

/** Which side a fault acts on: 'client' faults also apply against --target; 'lab' ones need the cluster bazaar started. */
export function faultSide(fault: Pick<Fault, 'kind' | 'link'>): 'client' | 'lab' {
  const { target } = FAULT_KIND_INFO[fault.kind];
  if (target === 'clients') return 'client';
  if (target === 'link') return fault.link === 'entry' ? 'client' : 'lab';
  return 'lab';
}

/** Whether the run needs a fault proxy on this link. */
export function needsProxy(faults: readonly Fault[], link: FaultLink): boolean {
  return faults.some((f) => (FAULT_KIND_INFO[f.kind].target === 'link' && f.link === link)
    || (link === 'entry' && f.kind === 'slow-consumers'));
}
