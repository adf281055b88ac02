/* The workload both clients run, so that only the client layer differs between them.
 *
 * load: U users connect once and stay connected. Each window resumes their loops ("acked round
 *   trip, think"; closed model), warms up, then measures: process CPU (user + system, every
 *   thread) over the round trips completed in the window, and the latency of each as the driver
 *   sees it (exact percentiles). Between windows the users are parked (connected, silent).
 * idle: a few users first (start-up, JIT and pools out of the way), then the heap is collected and
 *   RSS read; then N more users connect, do one round trip each and stay connected; after a hold
 *   the heap is collected and RSS read again. The difference over N is the cost of holding one. */
import { readFileSync } from 'node:fs';
import { constants, performance, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';

export interface BenchUser {
  /** Resolves once the Socket.IO handshake is done; rejects if it cannot be. */
  connect(): Promise<void>;
  /** One acked emit; `done(ok)` once the ack came (ok false: an error or no ack). */
  roundTrip(done: (ok: boolean) => void): void;
  close(): void;
}

export interface BenchClient {
  name: string;
  describe: string;
  createUser(index: number): BenchUser;
  /** Called when the measured window opens (e.g. to restart a client's own histograms). */
  markWindowStart?(): void;
  /** Extra figures the client reports about the window. */
  windowReport?(): Record<string, unknown>;
}

export interface LoadOptions {
  users: number;
  thinkMs: number;
  connectConcurrency: number;
  /** The core this process is pinned to: other processes' use of it in the window is reported. */
  core?: number;
  log: (line: string) => void;
}

export interface LatencyFigures {
  count: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface LoadResult {
  mode: 'load';
  client: string;
  describe: string;
  users: number;
  connected: number;
  thinkMs: number;
  warmupMs: number;
  windowMs: number;
  roundTrips: number;
  failedRoundTrips: number;
  roundTripsPerSec: number;
  cpuUs: number;
  cpuUsPerRoundTrip: number;
  /** The part of cpuUs spent in the kernel (system calls: the sockets). */
  systemCpuUs: number;
  /** Garbage collections in the window, and their main-thread pauses (their helper threads' CPU is in cpuUs, not here). */
  gc: GcFigures;
  /** Share of one core the process used in the window: near 100 means the client was the limit. */
  cpuPercent: number;
  eventLoopUtilization: number;
  /** Per round trip in the window: read and write system calls, and times the process slept and woke. */
  syscallsPerRoundTrip: { reads: number; writes: number } | undefined;
  wakeupsPerRoundTrip: number;
  /** Share of the pinned core used by other processes in the window (undefined: not pinned). */
  foreignCpuPercent: number | undefined;
  latency: LatencyFigures;
  rssMb: number;
  maxRssMb: number;
  extra: Record<string, unknown>;
}

export interface IdleOptions {
  users: number;
  baselineUsers: number;
  holdMs: number;
  connectConcurrency: number;
  log: (line: string) => void;
}

export interface IdleResult {
  mode: 'idle';
  client: string;
  describe: string;
  users: number;
  baselineUsers: number;
  connected: number;
  failed: number;
  connectSeconds: number;
  /** Whether the heap was collected before each reading (node --expose-gc). */
  gcBeforeReadings: boolean;
  rssBeforeMb: number;
  rssAfterMb: number;
  maxRssMb: number;
  heapBeforeMb: number;
  heapAfterMb: number;
  /** RSS per user after a compacting GC: what holding one user costs. */
  rssKbPerUser: number;
  /** The same after plain gc() only: includes heap headroom left by the connect burst. */
  rssPlainGcKbPerUser: number;
  heapKbPerUser: number;
  /** Heap the V8 has reserved (used or not) per user: heapUsed's share is the live part. */
  heapTotalKbPerUser: number;
  /** Memory outside the JS heap that V8 knows of (Buffers, ArrayBuffers) per user. */
  externalKbPerUser: number;
  holdCpuPercent: number;
}

export interface LoadWindowOptions {
  /** Load before the window opens, not measured. */
  warmupMs: number;
  windowMs: number;
}

/**
 * U users connected once and kept: each `window()` resumes their loops ("acked round trip, think";
 * closed model), warms up, measures one window, and parks them again. Several windows of several
 * clients can so alternate back to back (bench/run.ts), and a drift on the machine lands on every
 * client alike instead of on whichever ran during it.
 */
export interface LoadSession {
  connected: number;
  window(options: LoadWindowOptions): Promise<LoadResult>;
  close(): Promise<void>;
}

export async function createLoadSession(client: BenchClient, options: LoadOptions): Promise<LoadSession> {
  const { users: userCount, thinkMs, log } = options;
  const users = Array.from({ length: userCount }, (_, i) => client.createUser(i));
  const connected = await connectAll(users, options.connectConcurrency);
  if (connected.length === 0) throw new Error(`${client.name}: no user could connect`);
  log(`${client.name}: ${connected.length}/${userCount} users connected`);

  const samples = createWindowSamples();
  let running = false;
  let inFlight = 0;
  /** Users whose loop is parked between windows: resumed by the next window. */
  const parked: BenchUser[] = [...connected];

  const step = (user: BenchUser) => {
    if (!running) {
      parked.push(user);
      return;
    }
    inFlight++;
    const startMs = performance.now();
    user.roundTrip((ok) => {
      samples.add(performance.now() - startMs, ok);
      inFlight--;
      setTimeout(step, thinkMs, user);
    });
  };

  const park = async () => {
    running = false;
    // Let the round trips in flight finish so nothing is torn down mid-ack.
    for (let waited = 0; inFlight > 0 && waited < 2_000; waited += 20) await sleep(20);
    // The loops that were thinking park at their next step.
    for (let waited = 0; parked.length < connected.length && waited < thinkMs + 2_000; waited += 10) await sleep(10);
  };

  async function window({ warmupMs, windowMs }: LoadWindowOptions): Promise<LoadResult> {
    collectBeforeWindow();
    running = true;
    // A random first think spreads the users over the think time instead of bursting together.
    for (const user of parked.splice(0)) setTimeout(step, Math.random() * thinkMs, user);
    await sleep(warmupMs);
    client.markWindowStart?.();
    samples.start((connected.length * (windowMs + 1_000)) / Math.max(1, thinkMs));
    const measured = await measureWindow(windowMs, options.core);
    samples.stop();
    const extra = client.windowReport?.() ?? {};
    const result = loadResult(client, measured, samples, { users: userCount, connected: connected.length, thinkMs, warmupMs, extra });
    await park();
    return result;
  }

  return {
    connected: connected.length,
    window,
    async close() {
      await park();
      for (const user of connected) user.close();
    },
  };
}

export interface ChurnOptions {
  /** New users per second; each connects, does `roundTripsPerUser` acked round trips with think time between, and leaves. */
  arrivalsPerSec: number;
  roundTripsPerUser: number;
  thinkMs: number;
  core?: number;
  log: (line: string) => void;
}

/**
 * The workload issue 5's 1.3x target was set on:
 * an open model where users keep arriving, each connecting (and, for bazaar, minting its token
 * and recording its connect), doing its round trips and disconnecting. A window's CPU therefore
 * includes connection set-up and teardown, shared over the round trips completed in it.
 */
export function createChurnSession(client: BenchClient, options: ChurnOptions): LoadSession {
  const { arrivalsPerSec, roundTripsPerUser, thinkMs } = options;
  let nextIndex = 0;
  let live = 0;
  let peakLive = 0;
  let arrived = 0;
  let connectFailures = 0;
  const samples = createWindowSamples();

  const arrive = () => {
    const user = client.createUser(nextIndex++);
    arrived++;
    live++;
    peakLive = Math.max(peakLive, live);
    let done = 0;
    const leave = () => {
      user.close();
      live--;
    };
    const step = () => {
      const startMs = performance.now();
      user.roundTrip((ok) => {
        samples.add(performance.now() - startMs, ok);
        done++;
        setTimeout(done < roundTripsPerUser ? step : leave, thinkMs);
      });
    };
    user.connect().then(step, () => {
      connectFailures++;
      live--;
    });
  };

  async function window({ warmupMs, windowMs }: LoadWindowOptions): Promise<LoadResult> {
    collectBeforeWindow();
    peakLive = live;
    // Arrivals on an even schedule (checked every 5 ms).
    const t0 = performance.now();
    let spawned = 0;
    const arrivals = setInterval(() => {
      const due = Math.floor(((performance.now() - t0) / 1000) * arrivalsPerSec);
      while (spawned < due) {
        spawned++;
        arrive();
      }
    }, 5);

    await sleep(warmupMs);
    client.markWindowStart?.();
    const arrivedBefore = arrived;
    samples.start((arrivalsPerSec * roundTripsPerUser * (windowMs + 1_000)) / 1_000);
    const measured = await measureWindow(windowMs, options.core);
    samples.stop();
    clearInterval(arrivals);
    const extra = { ...(client.windowReport?.() ?? {}), arrivalsInWindow: arrived - arrivedBefore, peakLiveUsers: peakLive, connectFailures };
    const result = loadResult(client, measured, samples, { users: peakLive, connected: peakLive, thinkMs, warmupMs, extra });
    // The users still in the middle of their round trips finish (unmeasured) before the next window.
    const limitMs = roundTripsPerUser * (thinkMs + 1_000) + 5_000;
    for (let waited = 0; live > 0 && waited < limitMs; waited += 20) await sleep(20);
    return result;
  }

  options.log(`${client.name}: ready (${arrivalsPerSec} arrivals/s, ${roundTripsPerUser} round trips each, ${thinkMs} ms think)`);
  return {
    connected: 0,
    window,
    async close() {
      for (let waited = 0; live > 0 && waited < 10_000; waited += 20) await sleep(20);
    },
  };
}

export async function runIdle(client: BenchClient, options: IdleOptions): Promise<IdleResult> {
  const { users: userCount, baselineUsers, log } = options;
  const gc = (globalThis as { gc?: (options?: object) => void }).gc;
  /** Collect the heap: plain full GCs, then one that also gives unused heap pages back. */
  const collect = async () => {
    if (!gc) return { plain: process.memoryUsage(), compacted: process.memoryUsage() };
    // A few rounds with turns of the loop between: sockets release buffers in callbacks.
    for (let i = 0; i < 3; i++) {
      gc();
      await sleep(50);
    }
    const plain = process.memoryUsage();
    // A connect burst leaves the heap sized for its garbage; a plain gc() keeps those pages, so RSS
    // would count headroom as per-user cost. V8's last-resort flavour compacts and releases them.
    gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    await sleep(50);
    return { plain, compacted: process.memoryUsage() };
  };
  const handshakeAndAck = async (users: BenchUser[]) => {
    const connected = await connectAll(users, options.connectConcurrency);
    await Promise.all(connected.map((user) => new Promise<boolean>((resolve) => user.roundTrip(resolve))));
    return connected;
  };

  const baseline = await handshakeAndAck(Array.from({ length: baselineUsers }, (_, i) => client.createUser(i)));
  if (baseline.length < baselineUsers) throw new Error(`${client.name}: only ${baseline.length}/${baselineUsers} baseline users connected`);
  const { compacted: before } = await collect();

  log(`${client.name}: connecting ${userCount} idle users (after ${baselineUsers} baseline users)`);
  const t0 = performance.now();
  const idle = await handshakeAndAck(Array.from({ length: userCount }, (_, i) => client.createUser(baselineUsers + i)));
  const connectSeconds = (performance.now() - t0) / 1000;
  const cpuHold0 = process.cpuUsage();
  const hold0 = performance.now();
  await sleep(options.holdMs);
  const holdCpu = process.cpuUsage(cpuHold0);
  const holdElapsedMs = performance.now() - hold0;
  const { plain: afterPlain, compacted: after } = await collect();
  const connectedIdle = idle.length;
  for (const user of [...baseline, ...idle]) user.close();

  const perUser = (bytes: number) => (connectedIdle ? round(bytes / 1024 / connectedIdle, 2) : 0);
  return {
    mode: 'idle',
    client: client.name,
    describe: client.describe,
    users: userCount,
    baselineUsers,
    connected: connectedIdle,
    failed: userCount - connectedIdle,
    connectSeconds: round(connectSeconds, 2),
    gcBeforeReadings: gc !== undefined,
    rssBeforeMb: round(before.rss / 1_048_576, 1),
    rssAfterMb: round(after.rss / 1_048_576, 1),
    maxRssMb: round(process.resourceUsage().maxRSS / 1024, 1),
    heapBeforeMb: round(before.heapUsed / 1_048_576, 1),
    heapAfterMb: round(after.heapUsed / 1_048_576, 1),
    rssKbPerUser: perUser(after.rss - before.rss),
    rssPlainGcKbPerUser: perUser(afterPlain.rss - before.rss),
    heapKbPerUser: perUser(after.heapUsed - before.heapUsed),
    heapTotalKbPerUser: perUser(after.heapTotal - before.heapTotal),
    externalKbPerUser: perUser(after.external - before.external),
    holdCpuPercent: round(((holdCpu.user + holdCpu.system) / 1000 / holdElapsedMs) * 100, 1),
  };
}

/**
 * Every window starts from a collected heap (the clients run with --expose-gc): whether a full
 * collection of the earlier window's garbage lands inside this one is then not chance.
 */
function collectBeforeWindow(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** What the process spent while a window was open. */
interface WindowMeasure {
  elapsedMs: number;
  cpuUs: number;
  systemCpuUs: number;
  gc: GcFigures;
  io: { reads: number; writes: number } | undefined;
  wakeups: number;
  utilization: number;
  foreignCpuPercent: number | undefined;
}

/** Garbage collections in a window: how many of each kind, and the pauses they took on the main thread. */
export interface GcFigures {
  minor: number;
  major: number;
  pauseMs: number;
}

async function measureWindow(windowMs: number, core: number | undefined): Promise<WindowMeasure> {
  const gc: GcFigures = { minor: 0, major: 0, pauseMs: 0 };
  const count = (entries: PerformanceEntry[]) => {
    for (const entry of entries) {
      const kind = ((entry as PerformanceEntry & { detail?: { kind?: number } }).detail)?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) gc.minor++;
      else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) gc.major++;
      gc.pauseMs += entry.duration;
    }
  };
  const gcObserver = new PerformanceObserver((list) => count(list.getEntries()));
  gcObserver.observe({ entryTypes: ['gc'] });
  const cpu0 = process.cpuUsage();
  const core0 = coreBusyMs(core);
  const io0 = syscalls();
  const wakeups0 = process.resourceUsage().voluntaryContextSwitches;
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  await sleep(windowMs);
  const cpu = process.cpuUsage(cpu0);
  const core1 = coreBusyMs(core);
  const io1 = syscalls();
  const wakeups = process.resourceUsage().voluntaryContextSwitches - wakeups0;
  const elu = performance.eventLoopUtilization(elu0);
  const elapsedMs = performance.now() - t0;
  const cpuUs = cpu.user + cpu.system;
  // Entries of the window still queued are delivered now.
  count(gcObserver.takeRecords());
  gcObserver.disconnect();
  gc.pauseMs = round(gc.pauseMs, 1);
  return {
    elapsedMs,
    cpuUs,
    systemCpuUs: cpu.system,
    gc,
    io: io0 && io1 ? { reads: io1.reads - io0.reads, writes: io1.writes - io0.writes } : undefined,
    wakeups,
    utilization: elu.utilization,
    foreignCpuPercent:
      core0 === undefined || core1 === undefined ? undefined : Math.max(0, round(((core1 - core0 - cpuUs / 1000) / elapsedMs) * 100, 1)),
  };
}

/** The round trips completed while a window was measured: each one's latency, and how many failed. */
interface WindowSamples {
  /** Opens the window, with room for about `expected` round trips (it grows if more come). */
  start(expected: number): void;
  stop(): void;
  /** One round trip that ended now; ignored outside the window. */
  add(latencyMs: number, ok: boolean): void;
  readonly count: number;
  readonly failed: number;
  latencies(): Float64Array;
}

function createWindowSamples(): WindowSamples {
  let latencies = new Float64Array(1_024);
  let count = 0;
  let failed = 0;
  let measuring = false;
  return {
    start(expected) {
      latencies = new Float64Array(Math.ceil(expected) + 1_024);
      count = 0;
      failed = 0;
      measuring = true;
    },
    stop() {
      measuring = false;
    },
    add(latencyMs, ok) {
      if (!measuring) return;
      if (count === latencies.length) latencies = grow(latencies);
      latencies[count++] = latencyMs;
      if (!ok) failed++;
    },
    get count() {
      return count;
    },
    get failed() {
      return failed;
    },
    latencies: () => latencies.subarray(0, count),
  };
}

function loadResult(
  client: BenchClient,
  m: WindowMeasure,
  samples: WindowSamples,
  w: { users: number; connected: number; thinkMs: number; warmupMs: number; extra: Record<string, unknown> },
): LoadResult {
  const roundTrips = samples.count;
  const memory = process.memoryUsage();
  return {
    mode: 'load',
    client: client.name,
    describe: client.describe,
    users: w.users,
    connected: w.connected,
    thinkMs: w.thinkMs,
    warmupMs: w.warmupMs,
    windowMs: round(m.elapsedMs, 1),
    roundTrips,
    failedRoundTrips: samples.failed,
    roundTripsPerSec: round((roundTrips / m.elapsedMs) * 1000, 1),
    cpuUs: m.cpuUs,
    cpuUsPerRoundTrip: roundTrips ? round(m.cpuUs / roundTrips, 2) : 0,
    systemCpuUs: m.systemCpuUs,
    gc: m.gc,
    cpuPercent: round((m.cpuUs / 1000 / m.elapsedMs) * 100, 1),
    eventLoopUtilization: round(m.utilization, 3),
    syscallsPerRoundTrip: m.io && roundTrips ? { reads: round(m.io.reads / roundTrips, 2), writes: round(m.io.writes / roundTrips, 2) } : undefined,
    wakeupsPerRoundTrip: roundTrips ? round(m.wakeups / roundTrips, 2) : 0,
    foreignCpuPercent: m.foreignCpuPercent,
    latency: latencyFigures(samples.latencies()),
    rssMb: round(memory.rss / 1_048_576, 1),
    maxRssMb: round(process.resourceUsage().maxRSS / 1024, 1),
    extra: w.extra,
  };
}

/** Connect with at most `concurrency` handshakes in flight; the users that made it, in order. */
async function connectAll(users: BenchUser[], concurrency: number): Promise<BenchUser[]> {
  const ok = new Array<boolean>(users.length).fill(false);
  let next = 0;
  const worker = async () => {
    while (next < users.length) {
      const i = next++;
      try {
        await (users[i] as BenchUser).connect();
        ok[i] = true;
      } catch {
        // counted below as a user that did not connect
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, users.length) }, worker));
  return users.filter((_, i) => ok[i]);
}

/** Exact nearest-rank percentiles over every sample. */
export function latencyFigures(samples: Float64Array<ArrayBufferLike>): LatencyFigures {
  const sorted = Float64Array.from(samples).sort();
  const at = (p: number) => {
    if (sorted.length === 0) return 0;
    const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
    return round(sorted[index] as number, 3);
  };
  return { count: sorted.length, p50Ms: at(50), p90Ms: at(90), p99Ms: at(99), maxMs: at(100) };
}

/** Busy time of one core so far, from /proc/stat (Linux; USER_HZ is 100 there). */
export function coreBusyMs(core: number | undefined): number | undefined {
  if (core === undefined) return undefined;
  try {
    const line = readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`cpu${core} `));
    if (!line) return undefined;
    // user nice system idle iowait irq softirq steal ...
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * 10;
  } catch {
    return undefined;
  }
}

/** Read and write system calls of this process so far (Linux /proc/self/io). */
function syscalls(): { reads: number; writes: number } | undefined {
  try {
    const text = readFileSync('/proc/self/io', 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)`, 'm').exec(text)?.[1]);
    const reads = field('syscr');
    const writes = field('syscw');
    return Number.isFinite(reads) && Number.isFinite(writes) ? { reads, writes } : undefined;
  } catch {
    return undefined;
  }
}

function grow(array: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> {
  const bigger = new Float64Array(array.length * 2);
  bigger.set(array);
  return bigger;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const round = (value: number, digits: number) => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};
