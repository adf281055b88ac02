export { defineScenario } from './define-scenario.ts';
export { loadScenario, resolveScenarioPath } from './load-scenario.ts';
export type * from './types.ts';
