import { BazaarError } from '../errors.ts';
import type { ActorGroup, IntruderGroup, Scenario, ScenarioDefinition } from './types.ts';

/**
 * Declare a scenario: the world to seed, what each actor does, the load and what good means.
 *
 * ```ts
 * export default defineScenario({
 *   world: { sellers: 10, bookings: 50 },
 *   executor: { type: 'constant-arrival-rate', rate: 20, duration: '30s' },
 *   thresholds: { 'ack{event:message:send}': ['p(95)<150ms'] },
 *   async iteration({ buyer, booking }) {
 *     await buyer.join(booking!);
 *     await buyer.send(booking!, 'is it still available?');
 *   },
 * });
 * ```
 */
export function defineScenario(definition: ScenarioDefinition): Scenario {
  const where = definition.name ? `scenario "${definition.name}"` : 'scenario';
  if (typeof definition !== 'object' || definition === null) {
    throw new BazaarError('BAZAAR_BAD_SCENARIO', `${where} is not an object`, 'pass defineScenario({ executor, iteration, ... })');
  }
  const groups: Record<string, ActorGroup> = {};
  if (definition.actors) {
    if (definition.executor || definition.iteration) {
      throw new BazaarError(
        'BAZAAR_BAD_SCENARIO',
        `${where} has both "actors" and a top-level executor/iteration`,
        'use either one group (executor + iteration) or several under "actors"',
      );
    }
    for (const [name, group] of Object.entries(definition.actors)) {
      if (group?.role === 'intruder') {
        groups[name] = intruderGroup(group as IntruderGroup, `${where}: actor group "${name}"`);
        continue;
      }
      if (!group || typeof (group as ActorGroup).iteration !== 'function' || !group.executor) {
        throw new BazaarError('BAZAAR_BAD_SCENARIO', `${where}: actor group "${name}" needs an executor and an iteration function`);
      }
      groups[name] = group as ActorGroup;
    }
  } else {
    if (!definition.executor || typeof definition.iteration !== 'function') {
      throw new BazaarError(
        'BAZAAR_BAD_SCENARIO',
        `${where} needs an executor and an iteration function`,
        "e.g. executor: { type: 'constant-vus', vus: 10, duration: '30s' }, async iteration(ctx) { ... }",
      );
    }
    const group: ActorGroup = { executor: definition.executor, iteration: definition.iteration };
    if (definition.setup) group.setup = definition.setup;
    groups.default = group;
  }
  if (definition.intruders !== undefined) {
    const spec = definition.intruders;
    if (!spec || typeof spec.rate !== 'number' || !(spec.rate > 0)) {
      throw new BazaarError('BAZAAR_BAD_SCENARIO', `${where}: intruders.rate must be a number of intruder iterations per second > 0, got ${JSON.stringify(spec?.rate)}`,
        'e.g. intruders: { rate: 5, attempts: 4 }');
    }
    if (groups.intruders) {
      throw new BazaarError('BAZAAR_BAD_SCENARIO', `${where} has both "intruders" and an actor group named "intruders"`, 'rename the group, or use one of the two');
    }
    checkAttempts(spec.attempts, `${where}: intruders.attempts`);
  }
  if (Object.keys(groups).length === 0) {
    throw new BazaarError('BAZAAR_BAD_SCENARIO', `${where} has no actor groups`, 'add at least one group under "actors"');
  }
  return { ...definition, kind: 'bazaar.scenario', groups };
}

function checkAttempts(attempts: unknown, where: string): void {
  if (attempts !== undefined && !(Number.isInteger(attempts) && (attempts as number) >= 1)) {
    throw new BazaarError('BAZAAR_BAD_SCENARIO', `${where} must be an integer >= 1, got ${JSON.stringify(attempts)}`);
  }
}

/**
 * An intruder group, played by the harness: its iteration is given by `bazaar run`
 * (src/engine/intruders.ts), which knows the world and judges the answers.
 */
function intruderGroup(group: IntruderGroup, where: string): ActorGroup {
  if (!group.executor) throw new BazaarError('BAZAAR_BAD_SCENARIO', `${where} (role: 'intruder') needs an executor`);
  if ((group as Partial<ActorGroup>).iteration || (group as Partial<ActorGroup>).setup) {
    throw new BazaarError('BAZAAR_BAD_SCENARIO', `${where} has role 'intruder' and an iteration or setup of its own`,
      'leave them out: bazaar plays intruders itself; write a normal group to script your own attempts');
  }
  checkAttempts(group.attempts, `${where}.attempts`);
  return {
    ...group,
    iteration: async () => {
      throw new BazaarError('BAZAAR_BAD_SCENARIO', `${where}: intruder groups are played by bazaar run`);
    },
  };
}
