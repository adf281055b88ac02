/* From the phases' results to the figures, the verdicts and the printed table. Pure: no I/O. */
import { renderTextTable } from '../src/report/table.ts';
import type { IdleResult, LoadResult } from './workload.ts';

/** Issue 5, "Speed and memory". */
export const CPU_RATIO_TARGET = 1.3;
export const RSS_KB_PER_USER_TARGET = 20;
/** Issue 15 §3, the lean client. */
export const LEAN_CPU_RATIO_TARGET = 1.15;
export const LEAN_RSS_KB_PER_USER_TARGET = 8;

export type ClientName = 'floor' | 'socketio' | 'bazaar' | 'lean';

export const CLIENT_LABELS: Record<ClientName, string> = {
  floor: 'floor (raw ws)',
  socketio: 'plain socket.io-client',
  bazaar: 'bazaar (VirtualUser)',
  lean: 'bazaar --client lean',
};

export interface RoundResult {
  round: number;
  order: ClientName[];
  load: Partial<Record<ClientName, LoadResult & { serverCpuUsPerAck: number }>>;
  idle: Partial<Record<ClientName, IdleResult>>;
}

export interface BenchSettings {
  workload: 'churn' | 'steady';
  arrivalsPerSec: number;
  roundTripsPerUser: number;
  users: number;
  thinkMs: number;
  warmupMs: number;
  windowMs: number;
  idleUsers: number;
  pin: boolean;
  unpinnedBecause?: string | undefined;
}

export interface ClientSummary {
  roundTripsPerSec: number;
  cpuUsPerRoundTrip: number;
  /** Median over rounds of this client's CPU per round trip over the floor's in the same round. */
  cpuRatio: number;
  cpuPercent: number;
  /** Worst share of the client's core taken by other processes in a window (undefined: not pinned). */
  foreignCpuPercent: number | undefined;
  p50Ms: number;
  p99Ms: number;
  readsPerRoundTrip: number;
  writesPerRoundTrip: number;
  wakeupsPerRoundTrip: number;
  rssKbPerUser: number;
  rssRatio: number;
  rssPlainGcKbPerUser: number;
  heapKbPerUser: number;
  idleConnected: number;
}

export interface Target {
  target: string;
  observed: string;
  verdict: 'PASS' | 'MISS' | 'not judged';
}

export interface BenchSummary {
  rounds: number;
  clients: Partial<Record<ClientName, ClientSummary>>;
  p50DeltaMs: number;
  /** The floor's own p50 spread across rounds (needs 2+ rounds). */
  floorP50SpreadMs: number | undefined;
  bazaarOwnAck: { p50Ms: number | undefined; p99Ms: number | undefined };
  serverCpuUsPerAck: number;
  warnings: string[];
  targets: Target[];
}

export function summarize(rounds: RoundResult[], clients: ClientName[], settings: BenchSettings): BenchSummary {
  const load = (r: RoundResult, client: ClientName) => r.load[client] as NonNullable<RoundResult['load'][ClientName]>;
  const idle = (r: RoundResult, client: ClientName) => r.idle[client] as IdleResult;
  const med = (f: (r: RoundResult) => number) => median(rounds.map(f));
  // The idle phase runs once per client (in the first round): its figures come from the rounds that have it.
  const idleRounds = rounds.filter((r) => clients.every((client) => r.idle[client] !== undefined));
  const idleMed = (f: (r: RoundResult) => number) => median(idleRounds.map(f));
  const per = (client: ClientName): ClientSummary => ({
    roundTripsPerSec: med((r) => load(r, client).roundTripsPerSec),
    cpuUsPerRoundTrip: med((r) => load(r, client).cpuUsPerRoundTrip),
    cpuRatio: round2(med((r) => load(r, client).cpuUsPerRoundTrip / load(r, 'floor').cpuUsPerRoundTrip)),
    cpuPercent: med((r) => load(r, client).cpuPercent),
    foreignCpuPercent: settings.pin ? Math.max(...rounds.map((r) => load(r, client).foreignCpuPercent ?? 0)) : undefined,
    p50Ms: med((r) => load(r, client).latency.p50Ms),
    p99Ms: med((r) => load(r, client).latency.p99Ms),
    readsPerRoundTrip: med((r) => load(r, client).syscallsPerRoundTrip?.reads ?? 0),
    writesPerRoundTrip: med((r) => load(r, client).syscallsPerRoundTrip?.writes ?? 0),
    wakeupsPerRoundTrip: med((r) => load(r, client).wakeupsPerRoundTrip),
    rssKbPerUser: idleMed((r) => idle(r, client).rssKbPerUser),
    rssRatio: round2(idleMed((r) => idle(r, client).rssKbPerUser / idle(r, 'floor').rssKbPerUser)),
    rssPlainGcKbPerUser: idleMed((r) => idle(r, client).rssPlainGcKbPerUser),
    heapKbPerUser: idleMed((r) => idle(r, client).heapKbPerUser),
    idleConnected: Math.min(...idleRounds.map((r) => idle(r, client).connected)),
  });
  const summaries: BenchSummary['clients'] = {};
  for (const client of clients) summaries[client] = per(client);
  const floor = summaries.floor as ClientSummary;
  const bazaar = summaries.bazaar as ClientSummary;
  const lean = summaries.lean;

  const floorP50s = rounds.map((r) => load(r, 'floor').latency.p50Ms);
  const floorP50SpreadMs = rounds.length >= 2 ? round3(Math.max(...floorP50s) - Math.min(...floorP50s)) : undefined;
  const p50DeltaMs = round3(bazaar.p50Ms - floor.p50Ms);
  const bazaarOwn = (key: 'ownAckP50Ms' | 'ownAckP99Ms') => {
    const values = rounds.map((r) => load(r, 'bazaar').extra[key]).filter((v): v is number => typeof v === 'number');
    return values.length ? median(values) : undefined;
  };

  return {
    rounds: rounds.length,
    clients: summaries,
    p50DeltaMs,
    floorP50SpreadMs,
    bazaarOwnAck: { p50Ms: bazaarOwn('ownAckP50Ms'), p99Ms: bazaarOwn('ownAckP99Ms') },
    serverCpuUsPerAck: round2(median(rounds.flatMap((r) => clients.map((c) => load(r, c).serverCpuUsPerAck)))),
    warnings: warningsFor(rounds, clients, settings),
    targets: [
      {
        target: `CPU per acked round trip within ${CPU_RATIO_TARGET}x the floor`,
        observed: `${bazaar.cpuRatio.toFixed(2)}x`,
        verdict: bazaar.cpuRatio <= CPU_RATIO_TARGET ? 'PASS' : 'MISS',
      },
      {
        target: `at most ${RSS_KB_PER_USER_TARGET} KB RSS per idle connected user`,
        observed: `${bazaar.rssKbPerUser.toFixed(1)} KB`,
        verdict: bazaar.rssKbPerUser <= RSS_KB_PER_USER_TARGET ? 'PASS' : 'MISS',
      },
      {
        target: "p50 moved by no more than the floor's own p50 differs",
        observed:
          floorP50SpreadMs === undefined
            ? `${signed(p50DeltaMs)} ms (floor's spread needs --rounds 2+)`
            : `${signed(p50DeltaMs)} ms vs floor's spread ${floorP50SpreadMs.toFixed(3)} ms`,
        verdict: floorP50SpreadMs === undefined ? 'not judged' : Math.abs(p50DeltaMs) <= floorP50SpreadMs ? 'PASS' : 'MISS',
      },
      ...(lean
        ? [
            {
              target: `lean: CPU per acked round trip within ${LEAN_CPU_RATIO_TARGET}x the floor (issue 15)`,
              observed: `${lean.cpuRatio.toFixed(2)}x`,
              verdict: lean.cpuRatio <= LEAN_CPU_RATIO_TARGET ? ('PASS' as const) : ('MISS' as const),
            },
            {
              target: `lean: at most ${LEAN_RSS_KB_PER_USER_TARGET} KB RSS per idle connected user (issue 15)`,
              observed: `${lean.rssKbPerUser.toFixed(1)} KB`,
              verdict: lean.rssKbPerUser <= LEAN_RSS_KB_PER_USER_TARGET ? ('PASS' as const) : ('MISS' as const),
            },
          ]
        : []),
    ],
  };
}

function warningsFor(rounds: RoundResult[], clients: ClientName[], settings: BenchSettings): string[] {
  const warnings: string[] = [];
  // churn: each arrival does all its round trips; steady: every user one per think time.
  const plannedPerSec =
    settings.workload === 'churn' ? settings.arrivalsPerSec * settings.roundTripsPerUser : (settings.users * 1000) / Math.max(1, settings.thinkMs);
  for (const r of rounds) {
    for (const client of clients) {
      const load = r.load[client];
      const idle = r.idle[client];
      const at = `round ${r.round}, ${client}`;
      if (load) {
        if (load.cpuPercent > 90) warnings.push(`${at}: the client used ${load.cpuPercent}% of its core, so it was the limit: lower --users`);
        if (load.roundTripsPerSec < plannedPerSec * 0.8) {
          warnings.push(`${at}: ${load.roundTripsPerSec} round trips/s of ~${Math.round(plannedPerSec)} planned`);
        }
        if ((load.foreignCpuPercent ?? 0) > 5) {
          warnings.push(`${at}: other processes used ${load.foreignCpuPercent}% of the client's core in the window: rerun on a quiet machine`);
        }
        if (load.failedRoundTrips > 0) warnings.push(`${at}: ${load.failedRoundTrips} round trips failed`);
        if (load.connected < load.users) warnings.push(`${at}: ${load.connected}/${load.users} load users connected`);
      }
      if (idle) {
        if (idle.failed > 0) warnings.push(`${at}: ${idle.connected}/${idle.users} idle users connected`);
        if (!idle.gcBeforeReadings) warnings.push(`${client}: no global.gc, so RSS readings include garbage`);
      }
    }
  }
  if (settings.idleUsers < 1_000) warnings.push(`${settings.idleUsers} idle users are too few for a steady RSS per user: use --idle 2000 or more`);
  return [...new Set(warnings)];
}

export function renderBench(summary: BenchSummary, clients: ClientName[], settings: BenchSettings, nodeVersion: string): string {
  const get = (client: ClientName) => summary.clients[client] as ClientSummary;
  const main = renderTextTable({
    headers: ['client', 'round trips/s', 'CPU µs/rt', 'x floor', 'p50 ms', 'p99 ms', 'RSS KB/idle user', 'x floor'],
    align: ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    rows: clients.map((client) => {
      const c = get(client);
      return [
        CLIENT_LABELS[client],
        c.roundTripsPerSec.toFixed(0),
        c.cpuUsPerRoundTrip.toFixed(1),
        c.cpuRatio.toFixed(2),
        c.p50Ms.toFixed(2),
        c.p99Ms.toFixed(2),
        c.rssKbPerUser.toFixed(1),
        c.rssRatio.toFixed(2),
      ];
    }),
  });
  const detail = renderTextTable({
    headers: ['client', 'CPU % of core', 'others on core %', 'syscalls/rt', 'wakeups/rt', 'heap KB/idle user', 'RSS KB/user, plain gc()'],
    align: ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
    rows: clients.map((client) => {
      const c = get(client);
      return [
        CLIENT_LABELS[client],
        c.cpuPercent.toFixed(1),
        c.foreignCpuPercent === undefined ? '-' : c.foreignCpuPercent.toFixed(1),
        (c.readsPerRoundTrip + c.writesPerRoundTrip).toFixed(2),
        c.wakeupsPerRoundTrip.toFixed(2),
        c.heapKbPerUser.toFixed(1),
        c.rssPlainGcKbPerUser.toFixed(1),
      ];
    }),
  });
  const targets = renderTextTable({
    headers: ['target (issue 5, issue 15)', 'observed', 'verdict'],
    align: ['left', 'right', 'left'],
    rows: summary.targets.map((t) => [t.target, t.observed, t.verdict]),
  });
  const own = summary.bazaarOwnAck;
  return [
    '',
    `bazaar bench: ${
      settings.workload === 'churn'
        ? `churn, ${settings.arrivalsPerSec} users/s arriving per client, each ${settings.roundTripsPerUser} acked listing:watch with ${settings.thinkMs} ms think, then leaving`
        : `steady, ${settings.users} users per client connected throughout, acked listing:watch then ${settings.thinkMs} ms think`
    }; ` +
      `${summary.rounds} round${summary.rounds > 1 ? 's' : ''} of ${settings.windowMs / 1000}s windows, the clients taking turns ` +
      `(medians of per-round ratios); ${settings.idleUsers} idle users`,
    `${settings.pin ? 'pinned with taskset: server on CPU 1, clients on CPU 0' : `not pinned (${settings.unpinnedBecause ?? 'unknown'})`}; node ${nodeVersion}`,
    '',
    ...main,
    '',
    ...detail,
    '',
    `  server: ${summary.serverCpuUsPerAck} µs CPU per ack` +
      (own.p50Ms !== undefined
        ? `; bazaar's own ack{event:listing:watch} (HDR): p50 ${own.p50Ms.toFixed(2)} ms, p99 ${own.p99Ms?.toFixed(2)} ms`
        : ''),
    '',
    ...targets,
    ...(summary.warnings.length ? ['', ...summary.warnings.map((w) => `  warning: ${w}`)] : []),
  ].join('\n');
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return 0;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export const round2 = (n: number) => Math.round(n * 100) / 100;
export const round3 = (n: number) => Math.round(n * 1000) / 1000;
const signed = (n: number) => `${n >= 0 ? '+' : ''}${n.toFixed(3)}`;
