/*
 * One worker process of a coordinated run (./coordinator.ts): it waits for its share of the
 * run, plays it with startRun, reports its cumulative figures as it goes and at the end, then
 * exits. Never started by a person: `bazaar run --workers N` forks it.
 */
import { startRun } from '../run.ts';
import { importBazaarFromThisInstall } from '../../scenario/self-import.ts';
import type { CoordinatorMessage, WorkerMessage, WorkerSpec } from './protocol.ts';

/** After the coordinator is gone, how long the run gets to wind down before the process exits anyway. */
const ORPHAN_EXIT_MS = 3_000;

const stop = new AbortController();
let go: () => void = () => {};
const ready = new Promise<void>((resolve) => (go = resolve));
let started = false;
let finished = false;

const send = (message: WorkerMessage) => new Promise<void>((resolve) => {
  if (!process.connected) return resolve();
  process.send?.(message, undefined, {}, () => resolve());
});

// Ctrl-C reaches the whole process group: the coordinator stops its workers itself, and waits
// for their last report, so a worker must not die of the terminal's SIGINT first.
process.on('SIGINT', () => {});
// No coordinator, no run: a worker never outlives it (no orphans, whatever killed it).
process.on('disconnect', () => {
  if (finished) return; // it was this worker that hung up, after its last report
  stop.abort('the coordinator is gone');
  setTimeout(() => process.exit(1), ORPHAN_EXIT_MS).unref();
});

process.on('message', (message: CoordinatorMessage) => {
  if (message.type === 'start' && !started) {
    started = true;
    void play(message.spec);
  } else if (message.type === 'go') {
    go();
  } else if (message.type === 'stop') {
    stop.abort(message.reason);
    go();
  }
});

async function play(spec: WorkerSpec): Promise<void> {
  try {
    if (spec.importBazaarHere) importBazaarFromThisInstall();
    const result = await startRun({
      scenario: spec.scenario,
      target: spec.target,
      ...(spec.jwtSecret ? { jwtSecret: spec.jwtSecret } : {}),
      ...(spec.tokenModule ? { tokenModule: spec.tokenModule } : {}),
      transport: spec.transport,
      ...(spec.client ? { client: spec.client } : {}),
      ...(spec.durationMs ? { durationMs: spec.durationMs } : {}),
      ...(spec.scale ? { scale: spec.scale } : {}),
      check: spec.check,
      ...(spec.localAddresses ? { localAddresses: spec.localAddresses } : {}),
      reportDir: false,
      signal: stop.signal,
      onNotice: (message) => void send({ type: 'notice', worker: spec.index, message }),
      worker: {
        index: spec.index,
        of: spec.of,
        world: spec.world,
        reportEveryMs: spec.reportEveryMs,
        ready: async () => {
          await send({ type: 'ready', worker: spec.index, pid: process.pid });
          await ready;
        },
        report: (report) => void send({ type: 'report', report }),
      },
    });
    await send({
      type: 'report',
      report: {
        worker: spec.index,
        final: true,
        elapsedMs: result.durationMs,
        metrics: result.metrics,
        violations: result.violations,
        generator: result.generator,
        vus: 0,
        liveUsers: 0,
        status: result.status,
        ...(result.reason ? { reason: result.reason } : {}),
      },
    });
    process.exitCode = 0;
  } catch (error) {
    await send({ type: 'failed', worker: spec.index, message: error instanceof Error ? error.message : String(error) });
    process.exitCode = 1;
  }
  finished = true;
  process.disconnect?.();
  // Whatever the run left open (it closes everything it opens), the worker's work is done.
  setTimeout(() => process.exit(), 1_000).unref();
}
