/* The soak (issue 14, "checked load"): does the generator's heap stay flat over a long checked
 * run with users arriving and leaving? In its own process, started by bench/run.ts:
 *
 *   node --expose-gc bench/soak.ts --duration 10m [--rate 15 --sample-every 20s --core 0 --server-core 1]
 *
 * Runs a real `startRun`, online checks on, against the bundled reference server in its own
 * process (so the heap measured here is the generator's alone; the server's store keeps every
 * booking). The scenario compresses a day: every iteration is a user never seen before. At
 * `--rate` per second each, fresh buyers book a free listing, chat in the new booking room with
 * its seller (send, typing, read receipt), cancel and leave, and fresh visitors watch a listing
 * and its seller's presence, then leave; sellers reprice, a few dozen sellers drop and come back
 * while buyers watch their presence, and intruders try doors they may not open. Every
 * `--sample-every`, after a forced full collection: heapUsed, RSS, the server's RSS and what
 * the run holds in flight (RunInFlight). Prints one JSON line (a SoakResult); progress on stderr. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setFlagsFromString, writeHeapSnapshot } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Booking, Listing } from '../src/contract/index.ts';
import { startRun, type RunInFlight } from '../src/engine/run.ts';
import { startEmbeddedServer } from '../src/lab/embedded-server.ts';
import { defineScenario } from '../src/scenario/define-scenario.ts';
import type { SeededWorld } from '../src/scenario/types.ts';
import { parseDurationMs } from '../src/util/duration.ts';
import { judgeSoak, type SoakSample, type SoakVerdict } from './soak-stats.ts';

export interface SoakResult {
  scheduleMs: number;
  warmupMs: number;
  sampleEveryMs: number;
  /** Fresh buyers (each a new booking) per second, and as many fresh visitors. */
  ratePerSec: number;
  /** Online checking on (the point); off only to tell the checkers' share of a growth from the rest's. */
  checked: boolean;
  samples: SoakSample[];
  verdict: SoakVerdict;
  /** The largest of each in-flight figure, read every 250 ms. */
  peakInFlight: RunInFlight;
  /** Users never seen before that connected: fresh buyers and visitors. */
  freshUsers: number;
  /** Booking rooms opened (and closed again) during the run. */
  bookings: number;
  iterations: number;
  errors: number;
  errorsByCode: Record<string, number>;
  violations: number;
  violationsByKind: Record<string, number>;
  runStatus: string;
  /** After the run, everything closed, after a forced collection. */
  after: { heapUsedBytes: number; rssBytes: number };
  generatorCpuPercent: number;
  serverPinned: boolean;
}

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10m' },
    rate: { type: 'string', default: '15' },
    'sample-every': { type: 'string' },
    core: { type: 'string' },
    'server-core': { type: 'string' },
    /** The same run with online checking off: whatever still grows is not the checkers'. */
    'no-check': { type: 'boolean', default: false },
    /** Write a V8 heap snapshot here a little before the schedule ends (what holds the heap then). */
    'heap-snapshot': { type: 'string' },
    /**
     * Heap snapshots at these times into the schedule (e.g. `2m,5m30s`), after a forced
     * collection, each to `<--heap-snapshot-stem>-<seconds>s.heapsnapshot`: two of them, diffed with
     * bench/heap-diff.ts, say what grew between them.
     */
    'heap-snapshot-at': { type: 'string' },
    'heap-snapshot-stem': { type: 'string' },
  },
});

/** Seeded bookings: someone else's booking for the intruders to try; they take the first listings. */
const SEEDED_BOOKINGS = 40;
const SELLERS = 100;
const PRESENCE_CHURNERS = 40;

/** Every sample after a full collection: --expose-gc's gc(), or one exposed on the spot. */
function collector(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** The soak's scenario: every iteration of the arriving groups is a user never seen before. */
function soakScenario(ratePerSec: number, scheduleMs: number, counts: { fresh: number; bookings: number }) {
  const duration = `${scheduleMs}ms`;
  let free: Listing[] | undefined;
  let publics: Listing[] | undefined;
  // Bookings take the first listings; the rest, public, are free to book and to watch.
  const freeListings = (world: SeededWorld) => (free ??= world.listings.slice(SEEDED_BOOKINGS).filter((l) => !l.private));
  const publicListings = (world: SeededWorld) => (publics ??= world.listings.filter((l) => !l.private));
  return defineScenario({
    name: 'bench-soak',
    world: { sellers: SELLERS, listingsPerSeller: 4, privateRatio: 0.2, buyers: 100, bookings: SEEDED_BOOKINGS },
    options: { gracefulStop: '5s', deliveryTimeout: '3s' },
    intruders: { rate: 2, attempts: 3 },
    actors: {
      bookings: {
        executor: { type: 'constant-arrival-rate', rate: ratePerSec, duration, preAllocatedVUs: 30, maxVUs: 150 },
        async iteration({ world, user, vu, iteration, think }) {
          const listings = freeListings(world);
          // One listing per VU: a VU's iterations follow one another, so its listing is free again.
          const listing = listings[(vu - 1) % listings.length]!;
          const buyer = user(`soak-b${vu}-${iteration}`, 'buyer');
          const seller = user(listing.sellerId, 'seller');
          counts.fresh++;
          let booking: Booking | undefined;
          try {
            const made = await buyer.book(listing);
            if (made.status !== 201) return;
            booking = made.body as Booking;
            counts.bookings++;
            await Promise.all([buyer.join(booking), seller.join(booking)]);
            await buyer.send(booking, 'hi! is it free this weekend?');
            await think('1s', { jitter: 0.5 });
            const [answer] = await Promise.all([seller.send(booking, 'yes, it is'), buyer.typing(booking)]);
            if (answer.ok) await buyer.read(booking, answer.message.id);
          } finally {
            // Cancelled, the listing is free for the VU's next buyer.
            if (booking) {
              await buyer.transition(booking, 'cancelled');
              await seller.leave(booking);
            }
            buyer.disconnect();
          }
        },
      },
      browsers: {
        executor: { type: 'constant-arrival-rate', rate: ratePerSec, duration, preAllocatedVUs: 40, maxVUs: 150 },
        async iteration({ world, user, vu, iteration, think }) {
          const listings = publicListings(world);
          const listing = listings[(vu * 7 + iteration) % listings.length]!;
          const visitor = user(`soak-v${vu}-${iteration}`, 'buyer');
          counts.fresh++;
          try {
            await Promise.all([visitor.watch(listing), visitor.watchPresence(listing.sellerId)]);
            await think('2s', { jitter: 0.5 });
            await visitor.unwatch(listing);
          } finally {
            visitor.disconnect();
          }
        },
      },
      repricing: {
        executor: { type: 'constant-arrival-rate', rate: Math.max(1, ratePerSec / 3), duration, preAllocatedVUs: 5, maxVUs: 40 },
        async iteration({ world, user }) {
          const listings = publicListings(world);
          const listing = listings[Math.floor(Math.random() * listings.length)]!;
          await user(listing.sellerId, 'seller').changePrice(listing, 50 + Math.floor(Math.random() * 450));
        },
      },
      presence: {
        executor: { type: 'constant-vus', vus: PRESENCE_CHURNERS, duration },
        async setup({ world, user, vu }) {
          const sellerId = world.sellers[(vu - 1) % world.sellers.length]!;
          await Promise.all([user(world.buyers[(vu - 1) % world.buyers.length]!, 'buyer').watchPresence(sellerId), user(sellerId, 'seller').connect()]);
        },
        async iteration({ world, user, vu, think }) {
          await think('4s', { jitter: 0.5 });
          await user(world.sellers[(vu - 1) % world.sellers.length]!, 'seller').reconnect(200);
        },
      },
    },
  });
}

/** A counter's totals per value of one tag. */
function byTag(counters: readonly { name: string; tags: Record<string, string>; value: number }[], name: string, tag: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of counters) if (c.name === name) out[c.tags[tag] ?? '-'] = (out[c.tags[tag] ?? '-'] ?? 0) + c.value;
  return out;
}

function serverRssBytes(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const scheduleMs = parseDurationMs(values.duration, '--duration');
  const ratePerSec = Number(values.rate);
  if (!(ratePerSec > 0)) throw new Error(`--rate must be a number above 0, not ${values.rate}`);
  // About 30 samples over the run, at most every 20 s, at least every 2 s.
  const sampleEveryMs = values['sample-every'] === undefined
    ? Math.min(20_000, Math.max(2_000, Math.round(scheduleMs / 30)))
    : parseDurationMs(values['sample-every'], '--sample-every');
  const warmupMs = Math.round(scheduleMs * 0.2);
  const snapshotAtMs = (values['heap-snapshot-at'] ?? '').split(',').filter((t) => t.trim() !== '')
    .map((t) => parseDurationMs(t.trim(), '--heap-snapshot-at'));
  const stem = values['heap-snapshot-stem'];
  if (snapshotAtMs.length > 0 && !stem) throw new Error('--heap-snapshot-at needs --heap-snapshot-stem <path>: where to write the snapshots');
  const late = snapshotAtMs.find((at) => at >= scheduleMs);
  if (late !== undefined) throw new Error(`--heap-snapshot-at ${late / 1000}s is not inside the ${scheduleMs / 1000}s schedule: choose times before its end`);
  const gc = collector();

  const server = await startEmbeddedServer();
  const serverPinned = values['server-core'] !== undefined
    && spawnSync('taskset', ['-a', '-p', '-c', values['server-core'], String(server.pid)], { stdio: 'ignore' }).status === 0;
  const reportDir = mkdtempSync(join(tmpdir(), 'bazaar-bench-soak-'));
  const counts = { fresh: 0, bookings: 0 };
  const samples: SoakSample[] = [];
  const peakInFlight: RunInFlight = { liveUsers: 0, checkerStreams: 0, pending: 0, unclaimed: 0, pairedStreams: 0, entitlements: 0, readMarks: 0, firstDeliveries: 0, cachedTokens: 0 };
  const zero = { ...peakInFlight };
  let read: (() => RunInFlight) | undefined;
  let scheduleStartMs: number | undefined;
  const timers: NodeJS.Timeout[] = [];
  const sample = () => {
    if (scheduleStartMs === undefined) return;
    gc();
    const memory = process.memoryUsage();
    const s: SoakSample = {
      atMs: Math.round(performance.now() - scheduleStartMs),
      heapUsedBytes: memory.heapUsed,
      rssBytes: memory.rss,
      inFlight: read?.() ?? zero,
      serverRssBytes: serverRssBytes(server.pid),
    };
    samples.push(s);
    process.stderr.write(`  soak ${(s.atMs / 1000).toFixed(0)}s: heap ${(s.heapUsedBytes / 2 ** 20).toFixed(1)} MB, rss ${(s.rssBytes / 2 ** 20).toFixed(0)} MB, ` +
      `live users ${s.inFlight.liveUsers}, checker streams ${s.inFlight.checkerStreams}, entitlements ${s.inFlight.entitlements}, ` +
      `read marks ${s.inFlight.readMarks}, first marks ${s.inFlight.firstDeliveries}, tokens ${s.inFlight.cachedTokens}, fresh users so far ${counts.fresh}\n`);
  };
  const cpuBefore = process.cpuUsage();
  try {
    process.stderr.write(`  soak: ${scheduleMs / 1000}s, ${ratePerSec} fresh buyers/s and ${ratePerSec} fresh visitors/s, a sample every ${sampleEveryMs / 1000}s\n`);
    const result = await startRun({
      scenario: soakScenario(ratePerSec, scheduleMs, counts),
      target: server.url,
      jwtSecret: server.jwtSecret,
      reportDir,
      check: !values['no-check'],
      inspect(reader) {
        read = reader;
      },
      onProgress(progress) {
        if (scheduleStartMs !== undefined) return;
        // The first report comes a second into the schedule: seeding is over.
        scheduleStartMs = performance.now() - progress.elapsedMs;
        sample();
        timers.push(setInterval(sample, sampleEveryMs));
        const snapshotFile = values['heap-snapshot'];
        if (snapshotFile) {
          timers.push(setTimeout(() => {
            gc();
            writeHeapSnapshot(snapshotFile);
            process.stderr.write(`  soak: heap snapshot written to ${snapshotFile}\n`);
          }, Math.max(0, scheduleMs - progress.elapsedMs - sampleEveryMs / 2)));
        }
        for (const atMs of snapshotAtMs) {
          timers.push(setTimeout(() => {
            const file = `${stem}-${Math.round(atMs / 1000)}s.heapsnapshot`;
            gc();
            const heapUsed = process.memoryUsage().heapUsed;
            writeHeapSnapshot(file);
            process.stderr.write(`  soak ${Math.round(atMs / 1000)}s: heap ${(heapUsed / 2 ** 20).toFixed(1)} MB, snapshot written to ${file}\n`);
          }, Math.max(0, atMs - progress.elapsedMs)));
        }
        timers.push(setInterval(() => {
          const now = read?.();
          if (!now) return;
          for (const key of Object.keys(peakInFlight) as (keyof RunInFlight)[]) peakInFlight[key] = Math.max(peakInFlight[key], now[key]);
        }, 250));
      },
    });
    for (const timer of timers) clearInterval(timer);
    const cpu = process.cpuUsage(cpuBefore);
    const elapsedMs = scheduleStartMs === undefined ? 1 : performance.now() - scheduleStartMs;
    gc();
    const memory = process.memoryUsage();
    const counter = (name: string) => result.metrics.counters.filter((c) => c.name === name).reduce((sum, c) => sum + c.value, 0);
    const soak: SoakResult = {
      scheduleMs,
      warmupMs,
      sampleEveryMs,
      ratePerSec,
      checked: !values['no-check'],
      samples,
      verdict: judgeSoak(samples, { scheduleMs, warmupMs }),
      peakInFlight,
      freshUsers: counts.fresh,
      bookings: counts.bookings,
      iterations: counter('iterations'),
      errors: counter('errors'),
      errorsByCode: byTag(result.metrics.counters, 'errors', 'code'),
      violations: result.violations.total,
      violationsByKind: result.violations.counts,
      runStatus: result.status,
      after: { heapUsedBytes: memory.heapUsed, rssBytes: memory.rss },
      generatorCpuPercent: Math.round(((cpu.user + cpu.system) / 1000 / elapsedMs) * 1000) / 10,
      serverPinned,
    };
    process.stdout.write(`${JSON.stringify(soak)}\n`);
  } finally {
    for (const timer of timers) clearInterval(timer);
    rmSync(reportDir, { recursive: true, force: true });
    await server.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`soak failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
