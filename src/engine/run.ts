import { pino } from 'pino';
import { loadScenario } from '../scenario/load-scenario.ts';
import { awaitGroups, startGroups } from './drive-groups.ts';
import { closeRun, failRun, finishRun } from './finish-run.ts';
import { withIntruders } from './intruders.ts';
import { prepareRun } from './prepare-run.ts';
import { reachTarget } from './reach-target.ts';
import { createRunContext } from './run-context.ts';
import type { RunOptions } from './run-options.ts';
import { openRunOutputs } from './run-outputs.ts';
import type { RunResult } from './run-result.ts';
import { startRunTicker } from './run-ticker.ts';
import { createRunUsers } from './run-users.ts';
import { seedRunWorld } from './run-world.ts';
import { startSpreadRun } from './spread-run.ts';
import { startRunTarget } from './start-target.ts';

// Other modules and tests import these from here.
export type { RunInFlight, RunOptions, RunProgress } from './run-options.ts';
export { runConditions, type RunConditions, type RunResult } from './run-result.ts';
export { abortedPromise, settledWithin } from './settle.ts';
export { checkReachable } from './reach-target.ts';
export { judgeGeneratorHealth } from './generator-health.ts';

/**
 * Play a scenario against a server and measure it. Everything that can be wrong with the
 * input (scenario, thresholds, schedule) is reported before any connection is made. The
 * report is written as the run goes, so an interrupted or crashed run leaves it behind.
 */
export async function startRun(options: RunOptions): Promise<RunResult> {
  const spread = startSpreadRun(options);
  if (spread) return spread;
  const log = options.logger ?? pino({ level: 'silent' });
  const notice = options.onNotice ?? (() => {});
  const loaded = typeof options.scenario === 'string' ? await loadScenario(options.scenario) : options.scenario;
  // Intruders are played by the harness (src/engine/intruders.ts); their hooks are bound once the run's checks exist.
  const scenario = withIntruders(loaded, { metrics: () => run.registry, authz: () => run.checks.authz });
  const prepared = prepareRun(scenario, options, notice);
  const startedAt = new Date();
  const target = await startRunTarget(prepared.options, prepared.faults, startedAt, notice);
  let run: ReturnType<typeof createRunContext>;
  try {
    run = createRunContext(prepared, target, { log, notice, startedAt });
  } catch (error) {
    // Nothing else holds the server yet: close what was started before saying why.
    await target.server?.close().catch(() => {});
    throw error;
  }
  try {
    await openRunOutputs(run);
    const token = await reachTarget(run);
    await seedRunWorld(run, token);
    const users = createRunUsers(run, token);
    const groups = await startGroups(run, users);
    startRunTicker(run, groups, users);
    await awaitGroups(run, groups, users);
  } catch (error) {
    failRun(run, error);
    throw error;
  } finally {
    await closeRun(run);
  }
  return finishRun(run);
}
