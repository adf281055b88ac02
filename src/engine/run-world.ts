import type { TokenProvider } from '../client/http.ts';
import type { SeededWorld } from '../scenario/types.ts';
import type { RunContext, RunWorld } from './run-context.ts';
import { seedWorld } from './seed-world.ts';

/**
 * The world the users play in, recorded in `run.world`: seeded on the target here, handed over
 * by the coordinator to a worker, or none (`world: false`: a server of another dialect, driven by
 * generic steps only, has no contract API to seed).
 */
export async function seedRunWorld(run: RunContext, token: TokenProvider): Promise<void> {
  const { role, scenario, dialect, target, checks } = run;
  if (role) {
    // Seeded once, by the coordinator.
    run.world = role.world as RunWorld;
    checks.authz?.seeded(run.world as SeededWorld);
  } else if (scenario.world !== false) {
    run.notice(`seeding the world on ${target}${dialect ? ` (profile ${dialect.profile.name})` : ''}`);
    run.world = await seedWorld(scenario.world, target, token, run.options.onSeed, undefined, dialect?.world);
    checks.authz?.seeded(run.world as SeededWorld);
  }
}
