import { existsSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BazaarError } from '../errors.ts';
import { moduleExtension } from '../util/module-path.ts';
import type { Scenario } from './types.ts';

// Shipped scenarios are loaded by name from the scenarios folder beside src/: `.ts` in a
// checkout, compiled `.js` under dist/ in the installed package (src/util/module-path.ts).
const SHIPPED_EXTENSION = moduleExtension(import.meta.url);
const SCENARIOS_DIR = new URL('../../scenarios/', import.meta.url);
/** What a user's scenario file may be: TypeScript (run by Node's type stripping) or JavaScript. */
const SCENARIO_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

/** Where a scenario argument points: a path, or the name of a shipped scenario. */
export function resolveScenarioPath(nameOrPath: string, cwd = process.cwd()): string {
  const direct = resolve(cwd, nameOrPath);
  if (existsSync(direct) && SCENARIO_EXTENSIONS.includes(extname(direct))) return direct;
  const withExtension = SCENARIO_EXTENSIONS.map((ext) => `${direct}${ext}`).find((file) => existsSync(file));
  if (withExtension) return withExtension;
  if (/^[\w-]+(\.ts)?$/.test(nameOrPath)) {
    const shipped = fileURLToPath(new URL(`${nameOrPath.replace(/\.ts$/, '')}${SHIPPED_EXTENSION}`, SCENARIOS_DIR));
    if (existsSync(shipped)) return shipped;
  }
  throw new BazaarError(
    'BAZAAR_SCENARIO_NOT_FOUND',
    `no scenario "${nameOrPath}" (looked for ${direct} and the shipped scenarios)`,
    'give a path to a .ts or .js file, or a shipped name: smoke, booking-chat, listing-hot, checkout-rush, presence-churn, typing-storm, read-receipts',
  );
}

/** Import a scenario file and check that its default export came from defineScenario. */
export async function loadScenario(nameOrPath: string, cwd?: string): Promise<Scenario & { name: string; file: string }> {
  const file = resolveScenarioPath(nameOrPath, cwd);
  let module: { default?: unknown };
  try {
    module = await import(pathToFileURL(file).href);
  } catch (error) {
    const message = (error as Error).message;
    // Node reads a .js file as CommonJS unless the nearest package.json says "type": "module"
    // (`npm init -y` writes "commonjs"), and then fails on the scenario's first import.
    const hint = /Cannot use import statement outside a module/.test(message)
      ? 'a scenario is an ES module: set "type": "module" in your package.json, or name the file .mjs (or .mts)'
      : 'fix the error in the scenario file (Node runs a .ts one with type stripping: erasable TypeScript only)';
    throw new BazaarError('BAZAAR_SCENARIO_LOAD_FAILED', `cannot load scenario ${file}: ${message}`, hint, { cause: error });
  }
  const scenario = module.default as Scenario | undefined;
  if (!scenario || scenario.kind !== 'bazaar.scenario') {
    throw new BazaarError('BAZAAR_BAD_SCENARIO', `${file} does not export a scenario as its default export`,
      'end the file with: export default defineScenario({ ... })');
  }
  return { ...scenario, name: scenario.name ?? basename(file, extname(file)), file };
}
