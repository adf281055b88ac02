import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BazaarError } from '../errors.ts';
import { parseRecordedRun, type RecordedRun } from './recorded-run.ts';

/** Read a run from its report folder or its result.json. The edge of src/compare: the rest is pure. */
export function loadRecordedRun(path: string): RecordedRun & { path: string } {
  let file = path;
  try {
    if (statSync(path).isDirectory()) file = join(path, 'result.json');
  } catch {
    throw new BazaarError('BAZAAR_RESULT_NOT_FOUND', `no run result at ${path}`,
      'pass a report folder written by `bazaar run` (reports/<timestamp>_<scenario>/) or its result.json');
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new BazaarError('BAZAAR_RESULT_NOT_FOUND', `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      'pass a report folder that holds a result.json (a run that crashed before writing may have none)');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new BazaarError('BAZAAR_BAD_RESULT', `${file} is not JSON: ${(error as Error).message}`,
      'pass the result.json `bazaar run` wrote, unedited');
  }
  return { ...parseRecordedRun(json, file), path: file };
}
