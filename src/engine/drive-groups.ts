import { nowUs } from '../client/clock.ts';
import { toRecordableUs } from '../metrics/index.ts';
import type { SeededWorld } from '../scenario/types.ts';
import type { SchedulePlan } from '../schedule/index.ts';
import type { RunContext, RunUsers } from './run-context.ts';
import { runGroup, type GroupRun } from './run-group.ts';
import { abortedPromise, settledWithin } from './settle.ts';
import { partitionUnits, workerSlot } from './workers/partition.ts';

const MAX_LOGGED_ITERATION_ERRORS = 5;

/**
 * Once every worker is ready: the clock, generator health and timeline start from zero, and
 * every actor group starts playing its schedule.
 */
export async function startGroups(run: RunContext, users: RunUsers): Promise<GroupRun[]> {
  const { role, registry, health, timeline, log, notice } = run;
  const units = partitionUnits(run.world as SeededWorld);
  const slotOf = role ? (index: number) => workerSlot(index, role.index, role.of, units) : undefined;
  const live = users.live;
  let loggedErrors = 0;
  const groups: GroupRun[] = [];
  let slotOffset = 0;
  // Every worker starts its schedule together (the coordinator says when).
  await role?.ready();
  run.runStartUs = nowUs();
  health.restart();
  registry.windowLatencies(); // seeding's samples are not the schedule's first interval
  timeline.start(registry.counterValues());
  run.lab?.start(run.elapsedMs);
  run.sampleTimeline = () => timeline.add({
    atMs: run.elapsedMs(),
    vus: groups.reduce((sum, g) => sum + g.busyVus, 0),
    liveUsers: live.size,
    latencies: registry.windowLatencies(),
    counters: registry.counterValues(),
  });
  run.timers.push(setInterval(() => run.sampleTimeline(), run.timelineEveryMs));
  for (const [group, spec] of Object.entries(run.scenario.groups)) {
    const plan = run.plans.get(group) as SchedulePlan;
    groups.push(
      runGroup({
        name: group,
        group: spec,
        plan,
        startDelayMs: run.startDelays.get(group) ?? 0,
        world: run.world as never,
        createUser: users.create,
        metrics: registry,
        stopSignal: run.stop.signal,
        abortSignal: run.abort.signal,
        slotOffset,
        ...(slotOf ? { slotOf } : {}),
        thinkFactor: run.timelineFactor,
        stallThresholdMs: run.stallThresholdMs,
        onScheduleLag: (lagUs) => run.scheduleLag.recordValue(toRecordableUs(lagUs, 'schedule_lag')),
        onIterationError(error, groupName) {
          registry.counter('errors', { code: 'iteration_exception', source: groupName }).add();
          if (loggedErrors++ < MAX_LOGGED_ITERATION_ERRORS) {
            log.warn({ err: error, group: groupName }, 'an iteration threw');
            notice(`iteration error in "${groupName}": ${(error as Error)?.message ?? String(error)}`);
          }
        },
      }),
    );
    slotOffset += plan.maxVUs;
  }
  return groups;
}

/**
 * The schedule ends (or the run is stopped); in-flight iterations get gracefulStop to finish,
 * then are aborted. A run stopped from outside is marked interrupted.
 */
export async function awaitGroups(run: RunContext, groups: GroupRun[], users: RunUsers): Promise<void> {
  const { stop, abort } = run;
  await Promise.race([Promise.all(groups.map((g) => g.scheduleEnded)), abortedPromise(stop.signal)]);
  const settled = Promise.all(groups.map((g) => g.done));
  const graceMs = stop.signal.aborted ? Math.min(run.gracefulStopMs, 2_000) : run.gracefulStopMs;
  const graceful = await settledWithin(settled, graceMs);
  if (!graceful) {
    abort.abort('graceful stop over');
    for (const user of users.live) user.disconnect();
    await settledWithin(settled, 2_000);
  }
  if (stop.signal.aborted && run.status === 'passed') {
    run.status = 'interrupted';
    run.reason = String(stop.signal.reason ?? 'interrupted');
  }
}
