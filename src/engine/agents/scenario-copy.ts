import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ScenarioSource } from './protocol.ts';

/** A scenario as an agent loads it. */
export interface AgentScenario {
  /** A shipped name or a file path, as startRun takes it. */
  path: string;
  /** For the agent's log. */
  describe: string;
  /** A copy written here: its `import 'bazaar'` must be pointed at this install (src/scenario/self-import.ts). */
  copy: boolean;
}

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * A shipped name as is; a file at the same path with the same content (a shared checkout or
 * volume) as is; otherwise the content written to `dir` under the file's own name.
 */
export function materializeScenario(source: ScenarioSource, dir: string): AgentScenario {
  if ('name' in source) return { path: source.name, describe: source.name, copy: false };
  if (existsSync(source.path) && sha256(readFileSync(source.path, 'utf8')) === source.sha256) {
    return { path: source.path, describe: `${source.path} (the same file here)`, copy: false };
  }
  mkdirSync(dir, { recursive: true });
  const path = join(dir, basename(source.path));
  writeFileSync(path, source.content);
  return { path, describe: `${source.path} (shipped, written to ${path})`, copy: true };
}
