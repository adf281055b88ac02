import { BazaarError } from '../errors.ts';
import type { ActorGroup, Scenario, ScenarioDefinition } from './types.ts';

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
      if (!group || typeof group.iteration !== 'function' || !group.executor) {
        throw new BazaarError('BAZAAR_BAD_SCENARIO', `${where}: actor group "${name}" needs an executor and an iteration function`);
      }
      groups[name] = group;
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
  if (Object.keys(groups).length === 0) {
    throw new BazaarError('BAZAAR_BAD_SCENARIO', `${where} has no actor groups`, 'add at least one group under "actors"');
  }
  return { ...definition, kind: 'bazaar.scenario', groups };
}
