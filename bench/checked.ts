/* What online checking costs the load generator (issue 14, "Speed and memory"), in its own
 * process, started by bench/run.ts:
 *
 *   node bench/checked.ts --url http://127.0.0.1:PORT [--users 200 --rounds 6 --duration 3s --core 0]
 *
 * Two sets of bazaar users in this one process, against bench/server.ts: one with the run's
 * online checks on (createRunChecks, as `bazaar run` builds them), one with them off (as with
 * `--no-check`). Each user has a booking room of its own; its round trip is `VirtualUser.send`:
 * an acked `message:send` whose `message:new` comes back through the room, timed by the
 * delivery tracker in both sets and judged by the checks in one. Rounds alternate which set runs
 * first; each set runs its window while the other is parked. Then the checker's memory: the heap
 * a fresh set of online checks holds per connected user and per active room, fed synthetic
 * events. Prints one JSON line (a CheckedResult); progress goes to stderr. */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { IterationClock, nowUs } from '../src/client/clock.ts';
import { createDeliveryTracker } from '../src/client/delivery-tracker.ts';
import { createSecretTokenProvider } from '../src/client/tokens.ts';
import { VirtualUser } from '../src/client/virtual-user.ts';
import { createOnlineChecks } from '../src/checks/online-checks.ts';
import { createViolationLog } from '../src/checks/violations.ts';
import { createRunChecks } from '../src/engine/run-checks.ts';
import { createMetricsRegistry } from '../src/metrics/index.ts';
import { parseDurationMs } from '../src/util/duration.ts';
import { createLoadSession, sleep, type BenchClient, type LoadResult } from './workload.ts';

export interface CheckedRound {
  round: number;
  first: 'checked' | 'unchecked';
  checkedCpuUsPerRoundTrip: number;
  uncheckedCpuUsPerRoundTrip: number;
  ratio: number;
  checkedRoundTrips: number;
  uncheckedRoundTrips: number;
}

export interface CheckedResult {
  users: number;
  windowMs: number;
  rounds: CheckedRound[];
  ratioMedian: number;
  ratioMin: number;
  ratioMax: number;
  violations: number;
  /** Heap held by the online checks, measured with a forced GC around synthetic state. */
  bytesPerConnectedUser: number;
  bytesPerActiveRoom: number;
  memoryNote: string;
  /**
   * The checks' own path alone, out of any socket: CPU per `message:new` fed to the online checks
   * (200 receivers, each its own booking, seqs in order). The round-trip ratio is this plus
   * Socket.IO's onAny dispatch, inside the machine's noise.
   */
  checkerCpuUsPerEvent: number;
}

const ACK_TIMEOUT_MS = 10_000;

function createArm(url: string, name: 'checked' | 'unchecked'): { client: BenchClient; violations: () => number; stop: () => void } {
  const registry = createMetricsRegistry();
  const token = createSecretTokenProvider(randomBytes(32).toString('hex'));
  const stop = new AbortController();
  const checks = createRunChecks({ check: name === 'checked', metrics: registry, startUs: () => 0, deliveryTimeoutMs: ACK_TIMEOUT_MS, signal: stop.signal });
  const deliveries = createDeliveryTracker({ metrics: registry, timeoutMs: ACK_TIMEOUT_MS, ...(checks.onLost ? { onLost: checks.onLost } : {}) });
  checks.attach(deliveries.census);
  const client: BenchClient = {
    name,
    describe: `VirtualUser + metrics registry, online checks ${name === 'checked' ? 'on' : 'off'}`,
    createUser(index) {
      const user = new VirtualUser({
        url,
        userId: `${name}-u${index}`,
        role: 'buyer',
        token,
        transport: 'websocket',
        metrics: registry,
        deliveries,
        timing: new IterationClock(),
        ackTimeoutMs: ACK_TIMEOUT_MS,
        connectTimeoutMs: ACK_TIMEOUT_MS,
        httpTimeoutMs: ACK_TIMEOUT_MS,
        ...(checks.observer ? { observer: checks.observer } : {}),
      });
      const booking = `${name}-b${index}`;
      return {
        async connect() {
          if (!(await user.connect())) throw new Error(`${user.userId} could not connect`);
          const joined = await user.join(booking);
          if (!joined.ok) throw new Error(`${user.userId} could not join ${booking}`);
        },
        roundTrip(done) {
          user.send(booking, 'hi').then((result) => done(result.ok === true), () => done(false));
        },
        close() {
          user.disconnect();
        },
      };
    },
  };
  return { client, violations: () => checks.summary().total, stop: () => stop.abort() };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const round3 = (n: number) => Math.round(n * 1000) / 1000;
const perRoundTrip = (r: LoadResult) => r.cpuUs / Math.max(1, r.roundTrips);

function measureEventCpu(): number {
  const log = createViolationLog({ metrics: createMetricsRegistry(), startUs: () => 0 });
  const checks = createOnlineChecks({ log, nowUs, deliveryTimeoutMs: ACK_TIMEOUT_MS });
  const receivers = Array.from({ length: 200 }, (_, i) => ({ userId: `u${i}`, connectionId: `sid-${i}` }));
  const seqs = new Array<number>(receivers.length).fill(0);
  const feed = (n: number) => {
    for (let i = 0; i < n; i++) {
      const k = i % receivers.length;
      checks.received(receivers[k]!, 'message:new', { bookingId: `b${k}`, seq: ++seqs[k]!, clientMsgId: `c${i}`, id: `m${i}` });
    }
  };
  feed(200_000);
  const n = 1_000_000;
  const cpu0 = process.cpuUsage();
  feed(n);
  const cpu = process.cpuUsage(cpu0);
  if (log.summary().total !== 0) throw new Error('the in-order feed was judged a violation');
  return (cpu.user + cpu.system) / n;
}

function heapUsed(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

/** The heap online checks hold: per connected user (a session, a booking with a message) and per active room (two members, messages and a price). */
function measureMemory(): Pick<CheckedResult, 'bytesPerConnectedUser' | 'bytesPerActiveRoom' | 'memoryNote'> {
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

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      users: { type: 'string', default: '200' },
      rounds: { type: 'string', default: '6' },
      duration: { type: 'string', default: '3s' },
      warmup: { type: 'string', default: '1s' },
      think: { type: 'string', default: '100ms' },
      core: { type: 'string' },
    },
  });
  if (!values.url) throw new Error('--url is required (bench/server.ts)');
  const users = Number(values.users);
  const rounds = Number(values.rounds);
  const windowMs = parseDurationMs(values.duration, '--duration');
  const warmupMs = parseDurationMs(values.warmup, '--warmup');
  const thinkMs = parseDurationMs(values.think, '--think');
  const core = values.core === undefined ? undefined : Number(values.core);
  const log = (line: string) => process.stderr.write(`${line}\n`);

  const arms = { checked: createArm(values.url, 'checked'), unchecked: createArm(values.url, 'unchecked') };
  const sessions = {
    checked: await createLoadSession(arms.checked.client, { users, thinkMs, connectConcurrency: 50, ...(core === undefined ? {} : { core }), log }),
    unchecked: await createLoadSession(arms.unchecked.client, { users, thinkMs, connectConcurrency: 50, ...(core === undefined ? {} : { core }), log }),
  };
  const results: CheckedRound[] = [];
  for (let round = 1; round <= rounds; round++) {
    const first = round % 2 ? 'checked' : 'unchecked';
    const order = first === 'checked' ? (['checked', 'unchecked'] as const) : (['unchecked', 'checked'] as const);
    const got: Partial<Record<'checked' | 'unchecked', LoadResult>> = {};
    for (const arm of order) {
      heapUsed();
      await sleep(200);
      got[arm] = await sessions[arm].window({ warmupMs, windowMs });
    }
    const checked = perRoundTrip(got.checked!);
    const unchecked = perRoundTrip(got.unchecked!);
    results.push({
      round, first,
      checkedCpuUsPerRoundTrip: round3(checked),
      uncheckedCpuUsPerRoundTrip: round3(unchecked),
      ratio: round3(checked / unchecked),
      checkedRoundTrips: got.checked!.roundTrips,
      uncheckedRoundTrips: got.unchecked!.roundTrips,
    });
    log(`round ${round}: checked ${round3(checked)} µs, unchecked ${round3(unchecked)} µs CPU per round trip (${round3(checked / unchecked)}x)`);
  }
  await sessions.checked.close();
  await sessions.unchecked.close();
  const violations = arms.checked.violations();
  arms.checked.stop();
  arms.unchecked.stop();

  const ratios = results.map((r) => r.ratio);
  const result: CheckedResult = {
    users,
    windowMs,
    rounds: results,
    ratioMedian: round3(median(ratios)),
    ratioMin: Math.min(...ratios),
    ratioMax: Math.max(...ratios),
    violations,
    ...measureMemory(),
    checkerCpuUsPerEvent: round3(measureEventCpu()),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  // Sockets closing in the background must not hold the process.
  setTimeout(() => process.exit(0), 200).unref();
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
