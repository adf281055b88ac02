import { BazaarError } from '../../errors.ts';
import { loadScenario } from '../../scenario/load-scenario.ts';
import { runClient } from '../run-client.ts';
import type { RunOptions, RunResult } from '../run.ts';
import { startCoordinatedRun } from '../workers/coordinator.ts';
import { openAgentFleet } from './agent-fleet.ts';

/** A run spread over agents on other machines (`bazaar run --agents K --coordinator URL`). */
export interface AgentsOptions {
  /** How many agents play the run (K). */
  count: number;
  /** The Redis the agents wait on: redis://host:6379. */
  redisUrl: string;
  /** Key prefix in that Redis (default "bazaar:"): the agents' must be the same. */
  prefix?: string;
  /** How long to wait for K idle agents (default 30 s). */
  waitForAgentsMs?: number;
  /** An agent not heard from for this long is lost and fails the run (default 3 s). */
  heartbeatTimeoutMs?: number;
  /** How far ahead the common start time is set (default 500 ms). */
  startLeadMs?: number;
}

/**
 * The run played by K agents' worker processes (`options.workers` per agent), coordinated from
 * here as local workers are (../workers/coordinator.ts): the server and the seeded world are
 * this process's, the merge and the verdict too.
 */
export async function startDistributedRun(options: RunOptions & { agents: AgentsOptions }): Promise<RunResult> {
  const { agents } = options;
  if (!Number.isInteger(agents.count) || agents.count < 1) {
    throw new BazaarError('BAZAAR_BAD_OPTIONS', `agents must be a whole number ≥ 1, got ${agents.count}`, 'pass --agents 2');
  }
  if (typeof options.scenario !== 'string') {
    throw new BazaarError('BAZAAR_BAD_OPTIONS', 'agents load the scenario themselves, and a scenario object cannot be sent to them',
      'pass the scenario as a file path or shipped name');
  }
  // Refused before waiting for agents: every agent's workers would refuse it alone.
  runClient(options, (await loadScenario(options.scenario)).options);
  const perAgent = options.workers ?? 1;
  const fleet = await openAgentFleet({
    redisUrl: agents.redisUrl,
    agents: agents.count,
    workersPerAgent: perAgent,
    scenario: options.scenario,
    ...(agents.prefix ? { prefix: agents.prefix } : {}),
    ...(agents.waitForAgentsMs !== undefined ? { waitForAgentsMs: agents.waitForAgentsMs } : {}),
    ...(agents.heartbeatTimeoutMs !== undefined ? { heartbeatTimeoutMs: agents.heartbeatTimeoutMs } : {}),
    ...(agents.startLeadMs !== undefined ? { startLeadMs: agents.startLeadMs } : {}),
    ...(options.onNotice ? { onNotice: options.onNotice } : {}),
  });
  try {
    return await startCoordinatedRun({ ...options, workers: agents.count * perAgent }, fleet);
  } finally {
    await fleet.close();
  }
}
