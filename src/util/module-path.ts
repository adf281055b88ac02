import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The file of a module that bazaar starts as a process (the CLI, a cluster node) or loads by
 * name (a shipped scenario), in the layout the caller runs from: `.ts` sources in a checkout,
 * compiled `.js` under `dist/` in the installed package, where Node refuses to strip types.
 * `relativeTs` is written as in the sources (`'../../bin/bazaar.ts'`); `fromUrl` is the caller's
 * `import.meta.url`, whose own extension says which layout this is.
 */
export function modulePath(relativeTs: string, fromUrl: string): string {
  return fileURLToPath(new URL(relativeTs.replace(/\.ts$/, moduleExtension(fromUrl)), fromUrl));
}

/** `.js` when the module at `fromUrl` is compiled output, `.ts` when it is a source file. */
export function moduleExtension(fromUrl: string): '.ts' | '.js' {
  return extname(new URL(fromUrl).pathname) === '.js' ? '.js' : '.ts';
}
