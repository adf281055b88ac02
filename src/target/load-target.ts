import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BazaarError } from '../errors.ts';
import { defineTarget } from './define-target.ts';
import type { TargetProfile } from './types.ts';

/** Looked for in the working directory when no --profile is given, in this order. */
export const PROFILE_FILE_NAMES = ['bazaar.target.ts', 'bazaar.target.js', 'bazaar.target.mjs'] as const;

/** The profile file to use: the one given, else one found in `cwd`, else none (the contract's dialect). */
export function findProfileFile(given: string | undefined, cwd = process.cwd()): string | undefined {
  if (given) {
    const file = resolve(cwd, given);
    if (!existsSync(file)) throw new BazaarError('BAZAAR_BAD_PROFILE', `--profile ${given}: no such file (${file})`, 'give the path of a file whose default export is defineTarget({...}), or run `bazaar init --target URL` to write one');
    return file;
  }
  for (const name of PROFILE_FILE_NAMES) {
    const file = resolve(cwd, name);
    if (existsSync(file)) return file;
  }
  return undefined;
}

/** Load a profile file: its default export, validated (defineTarget is idempotent). */
export async function loadTargetProfile(file: string): Promise<TargetProfile> {
  let module: { default?: unknown };
  try {
    module = await import(pathToFileURL(file).href);
  } catch (error) {
    throw new BazaarError('BAZAAR_BAD_PROFILE', `cannot load target profile ${file}: ${(error as Error).message}`, 'a .ts (run by Node\'s type stripping) or .js file whose default export is defineTarget({...})');
  }
  if (module.default === undefined) throw new BazaarError('BAZAAR_BAD_PROFILE', `${file} has no default export`, 'export default defineTarget({ name, identity, world, operations, pushes })');
  try {
    return defineTarget(module.default as TargetProfile);
  } catch (error) {
    if (error instanceof BazaarError) throw new BazaarError(error.code, `${file}: ${error.message}`, error.hint);
    throw error;
  }
}

/** `--profile FILE` or an auto-discovered bazaar.target.ts: the profile, or undefined for the contract's dialect. */
export async function resolveTargetProfile(given: string | undefined, cwd = process.cwd()): Promise<{ profile: TargetProfile; file: string } | undefined> {
  const file = findProfileFile(given, cwd);
  return file ? { profile: await loadTargetProfile(file), file } : undefined;
}
