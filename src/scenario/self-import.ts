import { registerHooks } from 'node:module';
import { pathToFileURL } from 'node:url';
import { modulePath } from '../util/module-path.ts';

/**
 * From now on in this process, `import ... from 'bazaar'` loads this very install of bazaar:
 * for a scenario file shipped to an agent and written to its work dir (src/engine/agents/),
 * where no node_modules holds bazaar, and whose scenario must run against the agent's bazaar.
 */
export function importBazaarFromThisInstall(): void {
  const index = pathToFileURL(modulePath('../index.ts', import.meta.url)).href;
  registerHooks({
    resolve: (specifier, context, next) => (specifier === 'bazaar' ? { url: index, shortCircuit: true } : next(specifier, context)),
  });
}
