import { startDistributedRun } from './agents/distributed-run.ts';
import { refuseSpread } from './run-refusals.ts';
import type { RunOptions } from './run-options.ts';
import type { RunResult } from './run-result.ts';
import { startCoordinatedRun } from './workers/coordinator.ts';

/**
 * The run spread over agents (docs/distributed.md) or worker processes (docs/scaling.md) when
 * the options ask for it and this process is not itself one worker's share; undefined for a run
 * played here.
 */
export function startSpreadRun(options: RunOptions): Promise<RunResult> | undefined {
  if (options.agents && !options.worker) {
    refuseSpread(options, '--agents');
    return startDistributedRun({ ...options, agents: options.agents });
  }
  if ((options.workers ?? 1) > 1 && !options.worker) {
    refuseSpread(options, `--workers ${options.workers}`);
    return startCoordinatedRun(options);
  }
  return undefined;
}
