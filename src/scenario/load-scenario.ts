import { existsSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BazaarError } from '../errors.ts';
import type { Scenario } from './types.ts';

const SCENARIOS_DIR = new URL('../../scenarios/', import.meta.url);

/** Where a scenario argument points: a path, or the name of a shipped scenario. */
export function resolveScenarioPath(nameOrPath: string, cwd = process.cwd()): string {
  const direct = resolve(cwd, nameOrPath);
  if (existsSync(direct) && extname(direct) === '.ts') return direct;
  if (existsSync(`${direct}.ts`)) return `${direct}.ts`;
  const shipped = new URL(`${nameOrPath.replace(/\.ts$/, '')}.ts`, SCENARIOS_DIR);
  if (/^[\w-]+(\.ts)?$/.test(nameOrPath) && existsSync(shipped)) return shipped.pathname;
  throw new BazaarError(
    'BAZAAR_SCENARIO_NOT_FOUND',
    `no scenario "${nameOrPath}" (looked for ${direct} and the shipped scenarios)`,
    'give a path to a .ts file, or a shipped name: smoke, booking-chat, listing-hot, checkout-rush, presence-churn, typing-storm, read-receipts',
  );
}

/** Import a scenario file and check that its default export came from defineScenario. */
export async function loadScenario(nameOrPath: string, cwd?: string): Promise<Scenario & { name: string; file: string }> {
  const file = resolveScenarioPath(nameOrPath, cwd);
  let module: { default?: unknown };
  try {
    module = await import(pathToFileURL(file).href);
  } catch (error) {
    throw new BazaarError('BAZAAR_SCENARIO_LOAD_FAILED', `cannot load scenario ${file}: ${(error as Error).message}`,
      'fix the error in the scenario file (Node runs it with type stripping: erasable TypeScript only)', { cause: error });
  }
  const scenario = module.default as Scenario | undefined;
  if (!scenario || scenario.kind !== 'bazaar.scenario') {
    throw new BazaarError('BAZAAR_BAD_SCENARIO', `${file} does not export a scenario as its default export`,
      'end the file with: export default defineScenario({ ... })');
  }
  return { ...scenario, name: scenario.name ?? basename(file, '.ts'), file };
}
