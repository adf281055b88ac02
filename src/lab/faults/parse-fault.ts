import { BazaarError } from '../../errors.ts';
import { formatDurationMs, parseDurationMs } from '../../util/duration.ts';
import { FAULT_KIND_INFO, FAULT_KINDS, FAULT_LINKS, type Fault, type FaultKind, type FaultLink, type FaultSpec } from './fault-spec.ts';

const SYNTAX = "write it like 'kill-node 1 at 20s', 'freeze-redis at 40s for 5s', 'latency redis 200ms jitter 50ms at 10s for 5s' (docs/faults.md)";
const RATE_UNITS: Record<string, number> = { 'B/s': 1, 'kB/s': 1_000, 'KB/s': 1_000, 'KiB/s': 1_024, 'MB/s': 1_000_000, 'MiB/s': 1_048_576 };

function bad(where: string, what: string, hint = SYNTAX): never {
  throw new BazaarError('BAZAAR_BAD_FAULT', `${where}: ${what}`, hint);
}

function checkKind(kind: unknown, where: string): FaultKind {
  if (typeof kind !== 'string' || !(FAULT_KINDS as readonly string[]).includes(kind)) {
    bad(where, `${JSON.stringify(kind)} is no fault kind`, `the kinds are ${FAULT_KINDS.join(', ')}`);
  }
  return kind as FaultKind;
}

/** '64kB/s' → 64000 bytes per second. */
export function parseRateBytesPerSec(text: string, where: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kKM]?i?B\/s)$/.exec(text.trim());
  const unit = match ? RATE_UNITS[match[2] as string] : undefined;
  const value = match ? Number(match[1]) * (unit ?? 0) : 0;
  if (!match || unit === undefined || !(value >= 1)) bad(where, `rate "${text}" is not a rate`, 'write a number with B/s, kB/s, KiB/s, MB/s or MiB/s, e.g. 64kB/s');
  return Math.round(value);
}

/** 0.2 or '20%' → 0.2. */
function parseShare(raw: unknown, where: string): number {
  const share = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+(\.\d+)?%$/.test(raw.trim()) ? Number(raw.trim().slice(0, -1)) / 100 : NaN;
  if (!(share > 0 && share <= 1)) bad(where, `share ${JSON.stringify(raw)} is not a share of the clients`, "write a fraction above 0 up to 1 (0.2) or a percentage ('20%')");
  return share;
}

/** The canonical `--fault` text of a checked fault. */
export function describeFault(fault: Omit<Fault, 'label'>): string {
  const parts: string[] = [fault.kind];
  if (fault.node !== undefined) parts.push(String(fault.node));
  if (fault.link) parts.push(fault.link);
  if (fault.latencyMs !== undefined) parts.push(formatDurationMs(fault.latencyMs));
  if (fault.jitterMs) parts.push('jitter', formatDurationMs(fault.jitterMs));
  if (fault.bytesPerSec !== undefined) parts.push(`${fault.bytesPerSec}B/s`);
  if (fault.share !== undefined) parts.push(`${Math.round(fault.share * 1000) / 10}%`);
  parts.push('at', formatDurationMs(fault.atMs));
  if (fault.forMs > 0) parts.push('for', formatDurationMs(fault.forMs));
  return parts.join(' ');
}

/**
 * Check a fault as a scenario declares it (`faults: [{ at: '20s', kind: 'kill-node', node: 1 }]`)
 * and turn it into times in ms. `where` names it in errors, e.g. 'faults[0]'.
 */
export function normalizeFault(spec: FaultSpec, where = 'fault'): Fault {
  if (typeof spec !== 'object' || spec === null) bad(where, 'is not an object', "e.g. { at: '20s', kind: 'kill-node', node: 1 }");
  const kind = checkKind(spec.kind, where);
  const info = FAULT_KIND_INFO[kind];
  const known = new Set(['kind', 'at', 'for', ...({
    node: ['node'], redis: [], clients: ['share'],
    link: kind === 'latency' ? ['link', 'latency', 'jitter'] : kind === 'bandwidth' ? ['link', 'rate'] : ['link'],
  }[info.target])]);
  for (const key of Object.keys(spec)) {
    if (!known.has(key)) bad(where, `${kind} takes no "${key}"`, `${kind} takes ${[...known].join(', ')}`);
  }
  if (typeof spec.at !== 'string') bad(where, `${kind} needs "at", when it happens, e.g. at: '20s'`);
  const atMs = parseDurationMs(spec.at, `${where}.at`);
  let forMs = 0;
  if (spec.for !== undefined) {
    if (info.duration === 'none') bad(where, `${kind} is an instant and takes no duration ("for")`, `leave out "for"; ${kind}: ${info.what}`);
    forMs = parseDurationMs(String(spec.for), `${where}.for`);
    if (forMs <= 0 && info.duration === 'required') bad(where, `${kind} needs a duration above 0`);
  } else if (info.duration === 'required') {
    bad(where, `${kind} lasts: it needs a duration ("for"), e.g. for 5s`, `${kind}: ${info.what}`);
  }
  const fault: Omit<Fault, 'label'> = { kind, atMs, forMs };
  if (info.target === 'node') {
    if (!Number.isInteger(spec.node) || (spec.node as number) < 0) {
      bad(where, `${kind} needs the node's index (0, 1, ...), got ${JSON.stringify(spec.node)}`, 'nodes are numbered from 0, as `bazaar serve --nodes` prints them');
    }
    fault.node = spec.node as number;
  }
  if (info.target === 'link') {
    if (!(FAULT_LINKS as readonly string[]).includes(spec.link as string)) {
      bad(where, `${kind} needs the link it sits on, ${FAULT_LINKS.join(' or ')}, got ${JSON.stringify(spec.link)}`,
        "entry: the clients' connections to the entry; redis: the nodes' connections to Redis");
    }
    fault.link = spec.link as FaultLink;
  }
  if (kind === 'latency') {
    if (typeof spec.latency !== 'string') bad(where, "latency needs the delay to add, e.g. latency: '200ms'");
    fault.latencyMs = parseDurationMs(spec.latency, `${where}.latency`);
    fault.jitterMs = spec.jitter === undefined ? 0 : parseDurationMs(String(spec.jitter), `${where}.jitter`);
  }
  if (kind === 'bandwidth') {
    if (typeof spec.rate !== 'string') bad(where, "bandwidth needs a rate, e.g. rate: '64kB/s'");
    fault.bytesPerSec = parseRateBytesPerSec(spec.rate, `${where}.rate`);
  }
  if (kind === 'slow-consumers') fault.share = parseShare(spec.share, `${where}.share`);
  return { ...fault, label: describeFault(fault) };
}

/**
 * Parse a `--fault` argument: `<kind> [node | link] [parameters] at <duration> [for <duration>]`.
 *
 *   kill-node 1 at 20s                 freeze-node 0 at 10s for 5s
 *   restart-redis at 40s for 5s        kill-redis-subscribers at 30s
 *   latency redis 200ms jitter 50ms at 10s for 5s
 *   bandwidth entry 64kB/s at 5s for 10s      half-open redis at 10s for 3s
 *   slow-consumers 20% at 5s for 10s
 */
export function parseFault(text: string): Fault {
  const where = `--fault '${text}'`;
  const words = text.trim().split(/\s+/).filter(Boolean);
  const kind = checkKind(words[0], where);
  const info = FAULT_KIND_INFO[kind];
  const atIndex = words.indexOf('at');
  if (atIndex < 0 || atIndex === words.length - 1) bad(where, 'says not when: add "at <duration>", e.g. at 20s');
  const spec: Record<string, unknown> = { kind, at: words[atIndex + 1] };
  const tail = words.slice(atIndex + 2);
  if (tail.length > 0) {
    if (tail[0] !== 'for' || tail.length !== 2) bad(where, `"${tail.join(' ')}" after the time is not understood: only "for <duration>" may follow`);
    spec.for = tail[1];
  }
  const args = words.slice(1, atIndex);
  const take = (what: string): string => args.shift() ?? bad(where, `${kind} needs ${what}, before "at"`);
  if (info.target === 'node') {
    const node = take('the node index (0, 1, ...)');
    spec.node = /^\d+$/.test(node) ? Number(node) : node;
  } else if (info.target === 'link') {
    spec.link = take(`the link (${FAULT_LINKS.join(' or ')})`);
    if (kind === 'latency') {
      spec.latency = take('the delay to add (e.g. 200ms)');
      if (args[0] === 'jitter') {
        args.shift();
        spec.jitter = take('the jitter after "jitter", e.g. 50ms');
      }
    }
    if (kind === 'bandwidth') spec.rate = take('a rate, e.g. 64kB/s');
  } else if (info.target === 'clients') {
    spec.share = take("the share of clients, e.g. 20%");
  }
  if (args.length > 0) bad(where, `"${args.join(' ')}" is not understood for ${kind}`);
  return normalizeFault(spec as unknown as FaultSpec, where);
}
