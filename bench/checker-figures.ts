/* What the online checks hold and spend on their own, out of any socket (issue 14, "Speed and
 * memory"), in a process of its own started by bench/run.ts after the checked-vs-unchecked windows
 * (bench/checked-client.ts, bench/checked-summary.ts):
 *
 *   node --expose-gc bench/checker-figures.ts
 *
 * - the checks' own CPU per round trip of that phase: what a checked user's `send` hands them,
 *   fed straight in (the ack's `sent` and the room's `message:new` to the sender), through the
 *   run's checks as `bazaar run` builds them (createRunChecks: order, gaps, reads, authz), the
 *   room census attached;
 * - the heap they hold per connected user and per active room, fed synthetic events, measured
 *   with forced collections around it.
 * Prints one JSON line (a CheckerFigures); progress goes to stderr. */
import { createRoomCensus } from '../src/client/room-census.ts';
import { createOnlineChecks } from '../src/checks/online-checks.ts';
import { createViolationLog } from '../src/checks/violations.ts';
import { createRunChecks } from '../src/engine/run-checks.ts';
import { createMetricsRegistry } from '../src/metrics/index.ts';
import { round3 } from './summary.ts';

export interface CheckerFigures {
  /** Heap held by the online checks, measured with a forced GC around synthetic state. */
  bytesPerConnectedUser: number;
  bytesPerActiveRoom: number;
  memoryNote: string;
  /** The checks' own CPU per round trip of the phase: an acked send's `sent` and its `message:new`, fed to the run's checks. */
  checkerCpuUsPerRoundTrip: number;
  checkerPathNote: string;
}

const RECEIVERS = 200;
const ACK_TIMEOUT_MS = 10_000;

/**
 * The checks' own path: per round trip, the `sent` of the sender's acked message and the
 * `message:new` the room brings back to it, shaped as bench/server.ts sends them, for 200 users
 * each in a booking room of its own (as in the phase), a million round trips after a warm-up.
 */
function measureRoundTripCpu(): number {
  const registry = createMetricsRegistry();
  const checks = createRunChecks({ check: true, metrics: registry, startUs: () => 0, deliveryTimeoutMs: ACK_TIMEOUT_MS });
  const census = createRoomCensus();
  checks.attach(census);
  const observer = checks.observer!;
  const receivers = Array.from({ length: RECEIVERS }, (_, i) => ({ userId: `u${i}`, role: 'buyer', connectionId: `sid-${i}` }));
  receivers.forEach((receiver, i) => census.join(`booking:b${i}`, receiver, 0));
  const seqs = new Array<number>(RECEIVERS).fill(0);
  let n = 0;
  const feed = (count: number) => {
    for (let i = 0; i < count; i++) {
      const k = i % RECEIVERS;
      const seq = ++seqs[k]!;
      const bookingId = `b${k}`;
      const message = { id: `m${seq}-${bookingId}`, bookingId, seq, senderId: 'bench', body: 'hi', clientMsgId: `c${++n}`, createdAt: 0 };
      observer.sent!(receivers[k]!, message, bookingId);
      observer.received(receivers[k]!, 'message:new', message);
    }
  };
  feed(200_000);
  const count = 1_000_000;
  const cpu0 = process.cpuUsage();
  feed(count);
  const cpu = process.cpuUsage(cpu0);
  if (checks.summary().total !== 0) throw new Error(`the in-order feed was judged ${checks.summary().total} violations`);
  return (cpu.user + cpu.system) / count;
}

function heapUsed(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

/** The heap online checks hold: per connected user (a session, a booking with a message) and per active room (two members, messages and a price). */
function measureMemory(): Pick<CheckerFigures, 'bytesPerConnectedUser' | 'bytesPerActiveRoom' | 'memoryNote'> {
  const n = 20_000;
  const make = () => {
    let clock = 0;
    const log = createViolationLog({ metrics: createMetricsRegistry(), startUs: () => 0 });
    return createOnlineChecks({ log, nowUs: () => (clock += 10), deliveryTimeoutMs: 5_000 });
  };
  const timing = { ttlMs: 60_000, heartbeatMs: 20_000, sweepMs: 5_000 };
  const keep: unknown[] = [];

  const usersBefore = heapUsed();
  const a = make();
  for (let i = 0; i < n; i++) {
    const receiver = { userId: `u${i}`, connectionId: `sid-${i}` };
    keep.push(receiver);
    a.received(receiver, 'session', { userId: receiver.userId, presence: timing });
  }
  const bytesPerConnectedUser = (heapUsed() - usersBefore) / n;

  const roomsBefore = heapUsed();
  const b = make();
  for (let i = 0; i < n; i++) {
    const members = [{ userId: `b${i}`, connectionId: `sb-${i}` }, { userId: `s${i}`, connectionId: `ss-${i}` }];
    keep.push(...members);
    for (const receiver of members) {
      for (let seq = 1; seq <= 3; seq++) b.received(receiver, 'message:new', { bookingId: `bk${i}`, seq, clientMsgId: `c${seq}` });
      b.received(receiver, 'booking:statusChanged', { bookingId: `bk${i}`, version: 2 });
    }
  }
  const bytesPerActiveRoom = (heapUsed() - roomsBefore) / n;
  if (a.size() + b.size() === 0 || keep.length === 0) throw new Error('nothing was held');
  return {
    bytesPerConnectedUser: Math.round(bytesPerConnectedUser),
    bytesPerActiveRoom: Math.round(bytesPerActiveRoom),
    memoryNote: `${n} connected users (a session each); ${n} booking rooms with 2 members, 3 messages and a status change each; the receivers' own objects excluded`,
  };
}

function main(): void {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  log('checker figures: heap per connected user and per active room, then the checks\' own path');
  const memory = measureMemory();
  const figures: CheckerFigures = {
    ...memory,
    checkerCpuUsPerRoundTrip: round3(measureRoundTripCpu()),
    checkerPathNote: `${RECEIVERS} users each in a booking room of its own; per round trip the acked send's sent and its message:new, through createRunChecks (order, gaps, reads, authz)`,
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`, () => process.exit(0));
}

try {
  main();
} catch (error: unknown) {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exit(1);
}
