import type { ReportWriter } from '../report/write-report.ts';
import { evaluateThresholds } from '../thresholds/index.ts';
import type { RunContext, RunUsers } from './run-context.ts';
import type { GroupRun } from './run-group.ts';
import { buildResult } from './run-result.ts';
import { snapshotYielding } from './snapshot-yielding.ts';
import type { WorkerRole } from './workers/protocol.ts';

/**
 * Once a second while the groups play: generator health, progress, abortOnFail thresholds; every
 * few: result.json, or, for one worker's share, a report to its coordinator.
 */
export function startRunTicker(run: RunContext, groups: GroupRun[], users: RunUsers): void {
  const { options, registry, health, role, thresholds, resolve, stop, log, notice, elapsedMs } = run;
  const live = users.live;
  run.busyVus = () => groups.reduce((sum, g) => sum + g.busyVus, 0);
  const nextDueUs = () => earliest(groups.map((g) => g.nextDueUs));
  // result.json while the run goes, so Ctrl-C or a crash leaves a report: the snapshot is built a
  // series per loop turn, and a partial that finishes after the final report is thrown away.
  let writingPartial = false;
  const writePartial = async (to: ReportWriter) => {
    writingPartial = true;
    try {
      // The schedule goes first: no snapshot step starts just before an arrival is due.
      const metrics = await snapshotYielding(registry, { nextDueUs });
      if (!run.finalWritten) to.writeSnapshot(buildResult(run, true, health.current(), evaluateThresholds(thresholds, resolve), metrics));
    } catch (error) {
      log.warn({ err: error }, 'could not write the partial report');
    } finally {
      writingPartial = false;
    }
  };
  // A worker reports its cumulative figures; its coordinator merges them, and judges.
  let reporting = false;
  const sendReport = async (to: WorkerRole) => {
    reporting = true;
    try {
      const metrics = await snapshotYielding(registry, { nextDueUs });
      to.report({
        worker: to.index, final: false, elapsedMs: Math.round(elapsedMs()), metrics, violations: run.checks.summary(),
        generator: health.current(), vus: run.busyVus(), liveUsers: live.size, connectedUsers: connectedCount(live), rssBytes: process.memoryUsage.rss(),
      });
    } catch (error) {
      log.warn({ err: error }, 'could not report to the coordinator');
    } finally {
      reporting = false;
    }
  };
  let lastReportMs = 0;
  let lastIterations = 0;
  let lastSnapshotMs = 0;
  const snapshotEveryMs = options.snapshotEveryMs ?? 2_000;
  run.timers.push(
    setInterval(() => {
      health.sample();
      if (role) {
        if (!reporting && elapsedMs() - lastReportMs >= role.reportEveryMs - 50) {
          lastReportMs = elapsedMs();
          void sendReport(role);
        }
        return;
      }
      const iterations = registry.queryCounter('iterations') ?? 0;
      const interval = registry.intervalLatency('ack');
      options.onProgress?.({
        elapsedMs: elapsedMs(),
        totalMs: run.totalMs,
        vus: groups.reduce((sum, g) => sum + g.busyVus, 0),
        iterationsPerSec: iterations - lastIterations,
        ackP95Ms: interval ? interval.p95Us / 1000 : undefined,
        errors: registry.queryCounter('errors') ?? 0,
        dropped: registry.queryCounter('dropped_iterations') ?? 0,
        ...(run.check ? { violations: registry.queryCounter('violations') ?? 0 } : {}),
      });
      lastIterations = iterations;
      const aborting = thresholds.filter((t) => t.abortOnFail && elapsedMs() >= t.delayAbortEvalMs * run.timelineFactor);
      const failed = evaluateThresholds(aborting, resolve).find((r) => !r.passed && r.observed !== undefined);
      if (failed && !stop.signal.aborted) {
        run.status = 'aborted';
        run.reason = `threshold ${failed.key} ${failed.source} failed (abortOnFail)`;
        notice(run.reason);
        stop.abort(run.reason);
      }
      if (run.writer && !writingPartial && elapsedMs() - lastSnapshotMs >= snapshotEveryMs) {
        lastSnapshotMs = elapsedMs();
        void writePartial(run.writer);
      }
    }, 1_000),
  );
}

function connectedCount(users: Iterable<{ connected: boolean }>): number {
  let connected = 0;
  for (const user of users) if (user.connected) connected++;
  return connected;
}

/** The earliest of some times, undefined when there are none. */
function earliest(times: (number | undefined)[]): number | undefined {
  let min: number | undefined;
  for (const t of times) if (t !== undefined && (min === undefined || t < min)) min = t;
  return min;
}
