/* `npm run bench`: bazaar's generator overhead against a floor, in one run.
 *
 * Starts bench/server.ts as its own process, then runs the same workload with each client, each
 * in its own process against that server, the clients taking turns in short windows: the floor (a
 * raw WebSocket client speaking the Engine.IO/Socket.IO framing by hand), bazaar (VirtualUser
 * with every metric on) and bazaar --client lean (the same VirtualUser over the lean client). Prints CPU
 * per acked round trip, latency and RSS per idle connected user, each with its ratio to the floor,
 * and the targets of issue 5 ("Speed and memory") as PASS/MISS. Benchmarks report: the exit code
 * is 0 whatever the figures, and 1 only if the bench itself could not run. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseDurationMs } from '../src/util/duration.ts';
import { renderTextTable } from '../src/report/table.ts';
import { median, renderBench, round2, summarize, type ClientName, type RoundResult } from './summary.ts';
import type { HealthResult } from './generator-health.ts';
import type { IdleResult, LoadResult } from './workload.ts';
import type { CheckedArm } from './checked-client.ts';
import { renderChecked, summarizeChecked, type CheckedResult, type CheckedRoundInput } from './checked-summary.ts';
import type { CheckerFigures } from './checker-figures.ts';
import type { SoakResult } from './soak.ts';
import { renderSoak } from './soak-report.ts';

const HELP = `Usage: npm run bench -- [options]

Measures bazaar's client layer against a raw-WebSocket floor client on the same workload.

  --duration <d>      one measured window of one client in the load phase (default 5s)
  --warmup <d>        load before a client's first window, not measured (default 5s; before
                      later windows 3s for churn, 1s for steady)
  --workload <w>      churn: users keep arriving, each connects, does its round trips and leaves
                      (the workload issue 5's targets were set on;
                      the default); steady: the same users stay connected throughout
  --arrivals <n>      churn: new users per second (default 150: about 300 connected at once,
                      about 3,000 round trips/s)
  --round-trips <n>   churn: acked round trips per user before it leaves (default 20)
  --users <n>         steady: users connected throughout (default 300)
  --think <d>         think time between a user's acked round trips (default 100ms)
  --idle <n>          idle connected users for the RSS figure (default 2000; 10000 for the full figure)
  --idle-baseline <n> users connected before the first RSS reading (default 100)
  --hold <d>          how long the idle users are held before the second reading (default 2s)
  --rounds <n>        windows per client: the clients take turns, back to back, the order
                      alternating; medians of the per-round ratios reported (default 7)
  --with-socketio     also run a plain socket.io-client loop (emit with an ack callback), to tell
                      the library's cost from bazaar's own
  --without-lean      leave out bazaar --client lean (the lean client, issue 15: its own
                      targets, at most 1.15x the floor's CPU and 8 KB per idle user)
  --health <d>        generator health: a real \`bazaar run\` at light load with many latency
                      series against the reference server, for this long (default 20s; 0s skips
                      it); prints its event-loop delay p99 and schedule lag p99 (issue 12)
  --health-only       only the generator-health phase (about 30 s)
  --checked <n>       checked vs unchecked: rounds of CPU per acked round trip with the online
                      checks on and off, each arm in its own process, after a warm-up round;
                      plus the checks' own CPU and memory per connected user and per active room
                      (default 6 rounds; 0 skips it)
  --checked-only      only the checked-vs-unchecked phase (about 2 minutes)
  --checked-aa        the checked-vs-unchecked phase with checking on in both arms: an A/A test
                      of the method itself (its ratio should read 1.00x within its spread)
  --checked-in-turns  the checked phase's arms take turns (one window each, the other parked)
                      instead of running their windows side by side on one core (noisier)
  --soak              also run the soak (issue 14): a real checked \`bazaar run\` with users
                      arriving and leaving for --soak-duration, the generator's heap sampled
                      after forced collections; reports whether it stays flat (off by default)
  --soak-only         only the soak (10 minutes by default)
  --soak-duration <d> the soak's schedule (default 10m; e.g. 40s for a quick look)
  --soak-rate <n>     fresh buyers per second, each a new booking, and as many fresh visitors (default 15)
  --soak-unchecked    the soak with online checking off: what still grows is not the checkers'
  --soak-heap-snapshot  also write a V8 heap snapshot of the soak's generator just before its
                      schedule ends, to reports/ (what holds the heap then)
  --soak-heap-snapshot-at <d,d>  heap snapshots at these times into the soak's schedule (e.g.
                      2m,5m30s), to reports/bench-<time>-soak-<s>s.heapsnapshot; diff two with
                      bench/heap-diff.ts (what grew between them)
  --no-pin            do not pin server and clients to separate cores with taskset
  --profile           write V8 CPU profiles of each client process to reports/
  -h, --help          this text
`;

const benchDir = dirname(fileURLToPath(import.meta.url));
const rootDir = dirname(benchDir);
const children = new Set<ChildProcess>();
/** Warm-up before every window after a client's first: its JIT is warm, its loops need to settle. */
const RESUME_WARMUP_MS = 1_000;
/** Churn starts each window with nobody connected: users live ~2 s, so give the crowd 3 s to form. */
const CHURN_RESUME_WARMUP_MS = 3_000;

interface BenchOptions {
  workload: 'churn' | 'steady';
  arrivalsPerSec: number;
  roundTripsPerUser: number;
  windowMs: number;
  warmupMs: number;
  users: number;
  thinkMs: number;
  idleUsers: number;
  idleBaselineUsers: number;
  holdMs: number;
  rounds: number;
  clients: ClientName[];
  pin: boolean;
  profileDir: string | undefined;
  /** Why the run is not pinned, if it is not. */
  unpinnedBecause: string | undefined;
  /** The generator-health phase's schedule length; 0 skips it. */
  healthMs: number;
  healthOnly: boolean;
  /** Rounds of the checked-vs-unchecked phase; 0 skips it. */
  checkedRounds: number;
  checkedOnly: boolean;
  /** Both arms of the checked phase checked: the method's A/A test. */
  checkedAa: boolean;
  /** The checked phase's arms take turns instead of running their windows at the same time. */
  checkedInTurns: boolean;
  /** The soak's schedule; 0 skips it. */
  soakMs: number;
  soakRatePerSec: number;
  soakOnly: boolean;
  soakUnchecked: boolean;
  soakHeapSnapshot: string | undefined;
  /** Times into the soak's schedule for heap snapshots ("2m,5m30s"), and the files' common stem. */
  soakHeapSnapshotAt: string | undefined;
  soakHeapSnapshotStem: string;
}

interface ServerStats {
  acks: number;
  cpuUs: number;
  connections: number;
  rss: number;
}

function parseOptions(argv: string[], startedAt: Date): BenchOptions | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '5s' },
      warmup: { type: 'string', default: '5s' },
      users: { type: 'string', default: '300' },
      workload: { type: 'string', default: 'churn' },
      arrivals: { type: 'string', default: '150' },
      'round-trips': { type: 'string', default: '20' },
      think: { type: 'string', default: '100ms' },
      idle: { type: 'string', default: '2000' },
      'idle-baseline': { type: 'string', default: '100' },
      hold: { type: 'string', default: '2s' },
      rounds: { type: 'string', default: '7' },
      'with-socketio': { type: 'boolean', default: false },
      'without-lean': { type: 'boolean', default: false },
      health: { type: 'string', default: '20s' },
      'health-only': { type: 'boolean', default: false },
      checked: { type: 'string', default: '6' },
      'checked-only': { type: 'boolean', default: false },
      'checked-aa': { type: 'boolean', default: false },
      'checked-in-turns': { type: 'boolean', default: false },
      soak: { type: 'boolean', default: false },
      'soak-only': { type: 'boolean', default: false },
      'soak-duration': { type: 'string', default: '10m' },
      'soak-rate': { type: 'string', default: '15' },
      'soak-unchecked': { type: 'boolean', default: false },
      'soak-heap-snapshot': { type: 'boolean', default: false },
      'soak-heap-snapshot-at': { type: 'string' },
      'no-pin': { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return undefined;
  const count = (flag: string, text: string, min: number) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${flag} must be a whole number ≥ ${min}, not "${text}"`);
    return n;
  };
  const unpinnedBecause = values['no-pin'] ? '--no-pin' : whyNotPinnable();
  return {
    windowMs: parseDurationMs(values.duration, '--duration'),
    warmupMs: parseDurationMs(values.warmup, '--warmup'),
    users: count('users', values.users, 1),
    workload: parseWorkload(values.workload),
    arrivalsPerSec: count('arrivals', values.arrivals, 1),
    roundTripsPerUser: count('round-trips', values['round-trips'], 1),
    thinkMs: parseDurationMs(values.think, '--think'),
    idleUsers: count('idle', values.idle, 1),
    idleBaselineUsers: count('idle-baseline', values['idle-baseline'], 1),
    holdMs: parseDurationMs(values.hold, '--hold'),
    rounds: count('rounds', values.rounds, 1),
    clients: [
      'floor',
      ...(values['with-socketio'] ? (['socketio'] as const) : []),
      'bazaar',
      ...(values['without-lean'] ? [] : (['lean'] as const)),
    ],
    pin: unpinnedBecause === undefined,
    profileDir: values.profile ? join(rootDir, 'reports', `bench-${timestamp(startedAt)}-profiles`) : undefined,
    unpinnedBecause,
    healthMs: values.health === '0' ? 0 : parseDurationMs(values.health, '--health'),
    healthOnly: values['health-only'],
    checkedRounds: count('checked', values.checked, 0),
    checkedOnly: values['checked-only'],
    checkedAa: values['checked-aa'],
    checkedInTurns: values['checked-in-turns'],
    soakMs: values.soak || values['soak-only'] ? parseDurationMs(values['soak-duration'], '--soak-duration') : 0,
    soakRatePerSec: count('soak-rate', values['soak-rate'], 1),
    soakOnly: values['soak-only'],
    soakUnchecked: values['soak-unchecked'],
    soakHeapSnapshot: values['soak-heap-snapshot'] ? join(rootDir, 'reports', `bench-${timestamp(startedAt)}-soak.heapsnapshot`) : undefined,
    soakHeapSnapshotAt: values['soak-heap-snapshot-at'],
    soakHeapSnapshotStem: join(rootDir, 'reports', `bench-${timestamp(startedAt)}-soak`),
  };
}

function parseWorkload(text: string): 'churn' | 'steady' {
  if (text === 'churn' || text === 'steady') return text;
  throw new Error(`--workload must be churn or steady, not "${text}"`);
}

/** Undefined when taskset exists, works here, and there are two cores to put things on. */
function whyNotPinnable(): string | undefined {
  if (availableParallelism() < 2) return 'one core';
  const probe = spawnSync('taskset', ['-c', '0', process.execPath, '-e', '0'], { stdio: 'ignore' });
  return probe.status === 0 ? undefined : 'taskset is missing or does not work here';
}

/** Server on core 1, clients on core 0 (when pinning): the clients never compete with the server for a core. */
function nodeCommand(core: number, pin: boolean, args: string[]): [string, string[]] {
  return pin ? ['taskset', ['-c', String(core), process.execPath, ...args]] : [process.execPath, args];
}

async function main(): Promise<void> {
  const startedAt = new Date();
  let options: BenchOptions | undefined;
  try {
    options = parseOptions(process.argv.slice(2), startedAt);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${HELP}`);
    process.exitCode = 2;
    return;
  }
  if (!options) {
    process.stdout.write(HELP);
    return;
  }

  const note = (line: string) => process.stderr.write(`${line}\n`);
  note(
    options.pin
      ? 'pinned with taskset: server on CPU 1, each client on CPU 0'
      : `not pinned (${options.unpinnedBecause}): server and clients share the cores, figures are noisier`,
  );
  const only = options.healthOnly || options.checkedOnly || options.soakOnly;
  const rounds = only ? [] : await runClientPhases(options, note);
  let checked: CheckedResult | undefined;
  if (options.checkedRounds > 0 && (!only || options.checkedOnly)) {
    note(`checked vs unchecked: ${options.checkedRounds} rounds after a warm-up round, each arm in its own process, ${options.checkedInTurns ? 'taking turns' : 'side by side'}`);
    checked = await runChecked(options, note);
  }
  let health: HealthResult | undefined;
  if (options.healthMs > 0 && (!only || options.healthOnly)) {
    note(`generator health: a light-load run with many series, ${options.healthMs / 1000}s`);
    health = await runHealth(options);
  }
  let soak: SoakResult | undefined;
  if (options.soakMs > 0 && (!only || options.soakOnly)) {
    note(`soak: a checked run with users arriving and leaving, ${options.soakMs / 1000}s`);
    soak = await runSoak(options);
  }

  const summary = rounds.length > 0 ? summarize(rounds, options.clients, options) : undefined;
  if (summary) process.stdout.write(`${renderBench(summary, options.clients, options, process.version)}\n`);
  if (checked) process.stdout.write(`${summary ? '\n' : ''}${renderChecked(checked)}\n`);
  if (health) process.stdout.write(`${summary || checked ? '\n' : ''}${renderHealth(health)}\n`);
  if (soak) process.stdout.write(`${summary || checked || health ? '\n' : ''}${renderSoak(soak)}\n`);
  const file = join(rootDir, 'reports', `bench-${timestamp(startedAt)}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        startedAt: startedAt.toISOString(),
        command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
        machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGb: round2(totalmem() / 2 ** 30), node: process.version },
        pinned: options.pin,
        options,
        summary,
        rounds,
        checked,
        health,
        soak,
      },
      null,
      2,
    )}\n`,
  );
  process.stdout.write(`\nresult: ${relative(process.cwd(), file)}\n`);
  if (options.profileDir) process.stdout.write(`CPU profiles: ${relative(process.cwd(), options.profileDir)}/\n`);
}

/** The load and idle phases: each client against bench/server.ts, in turns (see bench/README.md). */
async function runClientPhases(options: BenchOptions, note: (line: string) => void): Promise<RoundResult[]> {
  const server = await startServer(options.pin);
  // The clients' orders alternate between rounds, so drift never favours the one that goes first.
  const rounds: RoundResult[] = Array.from({ length: options.rounds }, (_, i) => ({
    round: i + 1,
    order: i % 2 === 0 ? [...options.clients] : [...options.clients].reverse(),
    load: {},
    idle: {},
  }));
  try {
    note(`bench server on ${server.url} (pid ${server.child.pid})`);

    // Load: every client's users connected at once, each client in its own process; their windows
    // take turns back to back (the others parked, silent), so a drift on the machine lands on
    // neighbouring windows alike. Running them side by side instead was tried: sharing the core
    // changes how many messages each process takes per wake-up, which moved the ratios more.
    const sessions = new Map<ClientName, LoadClient>();
    try {
      for (const client of options.clients) {
        note(
          options.workload === 'steady'
            ? `${client}: connecting ${options.users} users (${options.thinkMs} ms think)`
            : `${client}: starting (${options.arrivalsPerSec} arrivals/s, ${options.roundTripsPerUser} round trips each, ${options.thinkMs} ms think)`,
        );
        sessions.set(client, await startLoadClient(options, server.url, client));
      }
      for (const round of rounds) {
        for (const client of round.order) {
          const resumeMs = options.workload === 'churn' ? CHURN_RESUME_WARMUP_MS : RESUME_WARMUP_MS;
          const warmupMs = round.round === 1 ? options.warmupMs : Math.min(options.warmupMs, resumeMs);
          note(`round ${round.round}/${options.rounds}, ${client}: ${warmupMs / 1000}s warm-up, ${options.windowMs / 1000}s measured`);
          await server.settle();
          const before = await server.stats();
          const result = await (sessions.get(client) as LoadClient).window({ warmupMs, windowMs: options.windowMs });
          const after = await server.stats();
          // Over the whole window with its warm-up: shows whether the server kept up.
          const serverCpuUsPerAck = after.acks > before.acks ? round2((after.cpuUs - before.cpuUs) / (after.acks - before.acks)) : 0;
          round.load[client] = { ...result, serverCpuUsPerAck };
        }
      }
    } finally {
      await Promise.all([...sessions.values()].map((session) => session.close()));
    }

    // Idle: once per client, each in a fresh process (its RSS is its own).
    const firstRound = rounds[0] as RoundResult;
    for (const client of firstRound.order) {
      note(`${client}: ${options.idleUsers} idle users`);
      await server.settle();
      firstRound.idle[client] = await runIdleClient(options, server.url, client, [
        '--users', String(options.idleUsers),
        '--baseline-users', String(options.idleBaselineUsers),
        '--hold-ms', String(options.holdMs),
      ]);
    }
  } finally {
    await server.close();
  }
  return rounds;
}

/** Issue 12's targets for the generator at light load. */
const LOOP_DELAY_P99_TARGET_MS = 5;
const SCHEDULE_LAG_P99_TARGET_MS = 2;
/** Above this share of the generator's core taken by other processes, its figures are the machine's. */
const FOREIGN_CPU_WARN_PERCENT = 5;

/** Users of each arm of the checked-vs-unchecked phase, each in a booking room of its own. */
const CHECKED_USERS = 200;

/**
 * The checked-vs-unchecked phase (issue 14): each arm in its own process on the clients' core
 * (bench/checked-client.ts), against bench/server.ts on the other, their windows side by side
 * (or, with --checked-in-turns, taking turns as the clients of the load phase do, the order
 * flipping every round); round 1 is a warm-up, shown and not counted (bench/checked-summary.ts).
 * Then the checks' own figures, in a fresh process (bench/checker-figures.ts).
 */
async function runChecked(options: BenchOptions, note: (line: string) => void): Promise<CheckedResult> {
  const server = await startServer(options.pin);
  const rounds = options.checkedRounds + 1;
  const inputs: CheckedRoundInput[] = [];
  let violations = 0;
  try {
    const arms = new Map<CheckedArm, LoadClient>();
    try {
      for (const arm of ['checked', 'unchecked'] as const) {
        // The A/A test: the baseline arm checks too, so any ratio but 1.00x is the method's own.
        const client: CheckedArm = options.checkedAa ? 'checked' : arm;
        note(`${arm}${client === arm ? '' : ' (checked too: A/A)'}: connecting ${CHECKED_USERS} users, each joining a booking room of its own`);
        arms.set(arm, await startLoadClient(options, server.url, client, { users: CHECKED_USERS, workload: 'steady' }));
      }
      for (let round = 1; round <= rounds; round++) {
        const first: CheckedArm = round % 2 ? 'checked' : 'unchecked';
        const order: CheckedArm[] = first === 'checked' ? ['checked', 'unchecked'] : ['unchecked', 'checked'];
        const got: Partial<Record<CheckedArm, LoadResult>> = {};
        const warmupMs = round === 1 ? options.warmupMs : RESUME_WARMUP_MS;
        if (!options.checkedInTurns) {
          // Both arms at once, on the same core: whatever the host does in the window, both see it.
          await server.settle();
          const [a, b] = await Promise.all(order.map((arm) => (arms.get(arm) as LoadClient).window({ warmupMs, windowMs: options.windowMs })));
          // Each arm's "others on the core" includes the other arm: only the rest is foreign.
          const foreign = (r: LoadResult, other: LoadResult) => (r.foreignCpuPercent === undefined ? undefined : Math.max(0, round2(r.foreignCpuPercent - other.cpuPercent)));
          got[order[0]!] = { ...a!, foreignCpuPercent: foreign(a!, b!) };
          got[order[1]!] = { ...b!, foreignCpuPercent: foreign(b!, a!) };
        } else {
          for (const arm of order) {
            await server.settle();
            got[arm] = await (arms.get(arm) as LoadClient).window({ warmupMs, windowMs: options.windowMs });
          }
        }
        const window = (r: LoadResult) => ({
          cpuUsPerRoundTrip: r.cpuUs / Math.max(1, r.roundTrips), roundTrips: r.roundTrips, failedRoundTrips: r.failedRoundTrips,
          foreignCpuPercent: r.foreignCpuPercent, wakeupsPerRoundTrip: r.wakeupsPerRoundTrip,
          systemCpuUsPerRoundTrip: r.systemCpuUs / Math.max(1, r.roundTrips),
          gcPauseUsPerRoundTrip: (r.gc.pauseMs * 1000) / Math.max(1, r.roundTrips), minorGcs: r.gc.minor, majorGcs: r.gc.major,
        });
        const input: CheckedRoundInput = { round, first, checked: window(got.checked!), unchecked: window(got.unchecked!) };
        inputs.push(input);
        violations = Number(got.checked!.extra.violations ?? 0);
        note(`round ${round}/${rounds}${round === 1 ? ' (warm-up, not counted)' : ''}, ${first} first: checked ${input.checked.cpuUsPerRoundTrip.toFixed(1)} µs, unchecked ${input.unchecked.cpuUsPerRoundTrip.toFixed(1)} µs CPU per round trip (${(input.checked.cpuUsPerRoundTrip / input.unchecked.cpuUsPerRoundTrip).toFixed(2)}x)`);
      }
    } finally {
      await Promise.all([...arms.values()].map((arm) => arm.close()));
    }
  } finally {
    await server.close();
  }
  const [command, args] = nodeCommand(0, options.pin, ['--expose-gc', join(benchDir, 'checker-figures.ts')]);
  const figures = await runJsonPhase<CheckerFigures>(command, args, 'the checker figures', 120_000);
  return { users: CHECKED_USERS, windowMs: options.windowMs, aa: options.checkedAa, sideBySide: !options.checkedInTurns, ...summarizeChecked(inputs, { inTurns: options.checkedInTurns }), violations, ...figures };
}

/** The generator-health phase, in a process of its own on the clients' core (the server on the other). */
function runHealth(options: BenchOptions): Promise<HealthResult> {
  const pinArgs = options.pin ? ['--core', '0', '--server-core', '1'] : [];
  const [command, args] = nodeCommand(0, options.pin, [
    join(benchDir, 'generator-health.ts'), '--duration', `${options.healthMs}ms`, ...pinArgs,
  ]);
  return runJsonPhase<HealthResult>(command, args, 'the generator-health phase', options.healthMs + 60_000);
}

/** The soak, in a process of its own on the clients' core (the reference server on the other), heap collectable on demand. */
function runSoak(options: BenchOptions): Promise<SoakResult> {
  const pinArgs = options.pin ? ['--core', '0', '--server-core', '1'] : [];
  const [command, args] = nodeCommand(0, options.pin, [
    '--expose-gc', join(benchDir, 'soak.ts'), '--duration', `${options.soakMs}ms`, '--rate', String(options.soakRatePerSec),
    ...(options.soakUnchecked ? ['--no-check'] : []), ...(options.soakHeapSnapshot ? ['--heap-snapshot', options.soakHeapSnapshot] : []),
    ...(options.soakHeapSnapshotAt ? ['--heap-snapshot-at', options.soakHeapSnapshotAt, '--heap-snapshot-stem', options.soakHeapSnapshotStem] : []), ...pinArgs,
  ]);
  return runJsonPhase<SoakResult>(command, args, 'the soak', options.soakMs + 120_000);
}

/**
 * One phase in a child process that prints its result as the last line of stdout (JSON): that
 * result, or a rejection saying which phase failed and how (its own error went to stderr).
 */
function runJsonPhase<T>(command: string, args: string[], phase: string, limitMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    children.add(child);
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${phase} did not finish within ${Math.round(limitMs / 1000)} s`));
    }, limitMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot start ${phase}: ${error.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      if (code !== 0) {
        reject(new Error(`${phase} failed (exit ${code ?? signal}); its error is above`));
        return;
      }
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '') as T);
      } catch {
        reject(new Error(`${phase} printed no result (stdout: ${JSON.stringify(out.slice(0, 200))})`));
      }
    });
  });
}

function renderHealth(health: HealthResult): string {
  const verdict = (valueMs: number | undefined, targetMs: number) =>
    valueMs === undefined ? 'not recorded' : valueMs < targetMs ? 'PASS' : 'MISS';
  const ms = (valueMs: number | undefined) => (valueMs === undefined ? '-' : `${valueMs.toFixed(valueMs < 10 ? 2 : 1)} ms`);
  const lines = [
    `Generator health: a real \`bazaar run\` at light load, ${health.groups} groups × ${health.ratePerSecPerGroup}/s for ` +
      `${health.durationMs / 1000} s (${health.iterations} iterations), ${health.latencySeries} latency series, result.json every 2 s`,
    ...renderTextTable({
      headers: ['figure', 'measured', 'target', ''],
      align: ['left', 'right', 'right', 'left'],
      rows: [
        ['event-loop delay p99 over the run', ms(health.loopDelayP99OverRunMs), `< ${LOOP_DELAY_P99_TARGET_MS} ms`,
          verdict(health.loopDelayP99OverRunMs, LOOP_DELAY_P99_TARGET_MS)],
        ['  the same, as the bench measures it', ms(health.benchLoopDelayP99Ms), '', ''],
        ['event-loop delay p99, worst one-second window', ms(health.loopDelayP99Ms), '', ''],
        ['event-loop delay max, worst window', ms(health.loopDelayMaxMs), '', ''],
        ['schedule lag p99 (how late arrivals started)', ms(health.scheduleLagP99Ms), `< ${SCHEDULE_LAG_P99_TARGET_MS} ms`,
          verdict(health.scheduleLagP99Ms, SCHEDULE_LAG_P99_TARGET_MS)],
        ['  a bare timer loop here, nothing else running (the floor)', ms(health.timerFloorLagP99Ms), '', ''],
        ['generator CPU % of a core', `${health.cpuPercent.toFixed(1)} %`, '', ''],
        [`report snapshot, ${health.snapshot.series} series × ${health.snapshot.samplesPerSeries / 1000}k samples, whole`,
          ms(health.snapshot.wholeMs), '', ''],
        ['  the same in steps (partial reports): longest step', ms(health.snapshot.longestStepMs), `< ${LOOP_DELAY_P99_TARGET_MS} ms`,
          verdict(health.snapshot.longestStepMs, LOOP_DELAY_P99_TARGET_MS)],
        ['others on the generator\'s core', health.foreignCpuPercent === undefined ? '-' : `${health.foreignCpuPercent.toFixed(1)} %`, '', ''],
      ],
    }),
  ];
  if (health.foreignCpuPercent !== undefined && health.foreignCpuPercent > FOREIGN_CPU_WARN_PERCENT) {
    lines.push(`  !! other processes took ${health.foreignCpuPercent.toFixed(1)}% of the generator's core: its delays are partly theirs; rerun on a quiet machine`);
  }
  if (!health.serverPinned) lines.push('  (not pinned: the reference server shares the cores with the generator)');
  return lines.join('\n');
}

// ---- processes ----

interface BenchServer {
  url: string;
  child: ChildProcess;
  stats(): Promise<ServerStats>;
  /** Collect the server's garbage and give it a second, so one phase's leftovers do not land in the next. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

function startServer(pin: boolean): Promise<BenchServer> {
  const [command, args] = nodeCommand(1, pin, ['--expose-gc', join(benchDir, 'server.ts')]);
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  children.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  exited.then(() => children.delete(child));

  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error('the bench server did not print its port within 10 s')), 10_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    child.once('error', (error) => fail(new Error(`cannot start the bench server: ${error.message}`)));
    const onEarlyExit = (code: number | null) => fail(new Error(`the bench server exited (code ${code}) before listening`));
    child.once('exit', onEarlyExit);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const newline = out.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      child.off('exit', onEarlyExit);
      const { port } = JSON.parse(out.slice(0, newline)) as { port: number };
      resolve({
        url: `http://127.0.0.1:${port}`,
        child,
        stats: () => ask(child, 'stats', (message) => typeof message === 'object' && message !== null) as Promise<ServerStats>,
        async settle() {
          await ask(child, 'gc', (message) => message === 'gc-done');
          await new Promise((resolveSleep) => setTimeout(resolveSleep, 1_000));
        },
        async close() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          const killTimer = setTimeout(() => child.kill('SIGKILL'), 3_000);
          await exited;
          clearTimeout(killTimer);
        },
      });
    });
  });
}

/** Send the server a message over IPC and wait for the answer that `isAnswer` recognises. */
function ask(child: ChildProcess, question: string, isAnswer: (message: unknown) => boolean): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error(`the bench server did not answer "${question}" within 5 s`));
    }, 5_000);
    const onMessage = (message: unknown) => {
      if (!isAnswer(message)) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(message);
    };
    child.on('message', onMessage);
    child.send(question);
  });
}

function clientCommand(options: BenchOptions, url: string, client: ClientName | CheckedArm, mode: 'load' | 'idle', extra: string[]): [string, string[]] {
  const nodeFlags = ['--expose-gc'];
  if (options.profileDir) {
    mkdirSync(options.profileDir, { recursive: true });
    nodeFlags.push('--cpu-prof', '--cpu-prof-dir', options.profileDir, '--cpu-prof-name', `${client}-${mode}-${Date.now()}.cpuprofile`);
  }
  return nodeCommand(0, options.pin, [...nodeFlags, join(benchDir, 'client.ts'), '--client', client, '--mode', mode, '--url', url, ...extra]);
}

interface LoadClient {
  window(options: { warmupMs: number; windowMs: number }): Promise<LoadResult>;
  close(): Promise<void>;
}

/** A client process holding its load users connected; one window per call, in turn with the others. */
function startLoadClient(options: BenchOptions, url: string, client: ClientName | CheckedArm, overrides: { users?: number; workload?: BenchOptions['workload'] } = {}): Promise<LoadClient> {
  const users = overrides.users ?? options.users;
  const [command, args] = clientCommand(options, url, client, 'load', [
    '--workload', overrides.workload ?? options.workload,
    '--users', String(users),
    '--arrivals-per-sec', String(options.arrivalsPerSec),
    '--round-trips-per-user', String(options.roundTripsPerUser),
    '--think-ms', String(options.thinkMs),
    ...(options.pin ? ['--core', '0'] : []),
  ]);
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  children.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => children.delete(child));
  /** Waits for the next message of a type, or fails if the process exits or the time runs out. */
  const next = <T>(type: string, limitMs: number, what: string) =>
    new Promise<T>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      const timer = setTimeout(() => {
        done();
        child.kill('SIGKILL');
        reject(new Error(`the ${client} client did not ${what} within ${Math.round(limitMs / 1000)} s`));
      }, limitMs);
      const onMessage = (message: { type?: string }) => {
        if (message?.type !== type) return;
        done();
        resolve(message as T);
      };
      const onExit = (code: number | null, signal: string | null) => {
        done();
        reject(new Error(`the ${client} client exited (${code ?? signal}) before it could ${what}; its error is above`));
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const session: LoadClient = {
    async window(window) {
      const answer = next<{ result: LoadResult }>('result', window.warmupMs + window.windowMs + 30_000, 'finish a window');
      child.send({ type: 'window', ...window });
      return (await answer).result;
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send({ type: 'close' });
      const killTimer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killTimer);
    },
  };
  child.once('error', () => undefined);
  return next<{ connected: number }>('ready', 60_000 + users * 20, 'connect its users').then(() => session);
}

/** The idle phase of one client, in a fresh process of its own: its JSON result line. */
function runIdleClient(options: BenchOptions, url: string, client: ClientName, extra: string[]): Promise<IdleResult> {
  const [command, args] = clientCommand(options, url, client, 'idle', extra);
  return runJsonPhase<IdleResult>(command, args, `the ${client} idle phase`, options.holdMs + 60_000 + options.idleUsers * 10);
}

// ---- small helpers ----

function timestamp(date: Date): string {
  return date.toISOString().replace(/[:.]/g, '-').replace('T', '_').slice(0, 19);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const child of children) child.kill('SIGKILL');
    process.exit(130);
  });
}

main().catch((error: unknown) => {
  for (const child of children) child.kill('SIGKILL');
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
