import { BazaarError } from '../../errors.ts';
import { closest } from '../../util/closest.ts';
import { findHaproxy } from '../haproxy.ts';
import { provideRedis, type ProvidedRedis } from '../redis-provider.ts';
import { REPROS } from './catalog.ts';
import { runVariant } from './run-variant.ts';
import type { ReproEntry, ReproReport, ReproSize, ReproVariant } from './types.ts';

export interface ReproOptions {
  /** Multiply the entry's users and rates (its default size is 1). */
  scale?: number;
  /** The load's length; default the entry's own. */
  durationMs?: number;
  /** Redis for the entries that need it; default REDIS_URL, else a throwaway redis-server or container. */
  redisUrl?: string;
  /** Run only the bug variant (no fix run). */
  skipFix?: boolean;
  /** Stops the variant in progress (Ctrl-C); what ran is reported. */
  signal?: AbortSignal;
  /** Messages for a person: what the repro is doing. */
  onNotice?(message: string): void;
  /** Environment to look for haproxy / redis-server in; default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** The catalog, in the order the list shows it. */
export function listRepros(): readonly ReproEntry[] {
  return REPROS;
}

/** The entry of that name, or an error that names the catalog. */
export function findRepro(name: string): ReproEntry {
  const entry = REPROS.find((e) => e.name === name);
  if (entry) return entry;
  const guess = closest(name, REPROS.map((e) => e.name));
  throw new BazaarError('BAZAAR_UNKNOWN_REPRO', `no repro "${name}"${guess ? ` (did you mean "${guess}"?)` : ''}`,
    `choose one of: ${REPROS.map((e) => e.name).join(', ')} (npx bazaar repro lists them)`);
}

/** What is missing on this machine for the entry, in words a person can act on; undefined when nothing is. */
export async function missingNeeds(entry: ReproEntry, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (entry.needs.includes('haproxy') && !(await findHaproxy(env))) {
    return `${entry.name} needs the haproxy binary, and it is not on PATH: install it (Debian/Ubuntu: apt-get install haproxy)`;
  }
  return undefined;
}

/**
 * Reproduce one catalog entry: start the bug variant's topology, play the load, look for the
 * signature; then the same with the documented fix. Everything started is closed before it
 * returns or throws.
 */
export async function runRepro(name: string, options: ReproOptions = {}): Promise<ReproReport> {
  const entry = findRepro(name);
  if (options.scale !== undefined && !(options.scale > 0)) {
    throw new BazaarError('BAZAAR_BAD_SCALE', `--scale must be above 0, got ${options.scale}`, 'e.g. --scale 0.1 for a tenth of the load');
  }
  const size: ReproSize = {
    scale: options.scale ?? entry.defaultSize.scale,
    durationMs: options.durationMs ?? entry.defaultSize.durationMs,
  };
  const base: ReproReport = {
    name: entry.name,
    summary: entry.summary,
    verdict: 'skipped',
    size,
    signature: entry.signature.describe,
    doc: `docs/repro/${entry.name}.md`,
    links: entry.links,
  };
  const missing = await missingNeeds(entry, options.env);
  if (missing) return { ...base, skipped: missing };

  const notice = options.onNotice ?? (() => {});
  let redis: ProvidedRedis | undefined;
  try {
    // A cluster variant without faults runs on this Redis; one with faults gets Redis from the run (the lab's own when a fault breaks it).
    const needsRedis = !entry.load(size, 'bug').faults?.length && [entry.bug, entry.fix].some((v) => v.topology.nodes >= 2);
    if (needsRedis) redis = await provideRedis({ ...(options.redisUrl ? { url: options.redisUrl } : {}), ...(options.env ? { env: options.env } : {}) });
    const run = (variant: ReproVariant, role: 'bug' | 'fix') =>
      runVariant(entry, { ...variant, topology: entry.topologyFor?.(role, size) ?? variant.topology }, role, size, redis?.url, options, notice);
    const bug = await run(entry.bug, 'bug');
    // A load stopped early says nothing either way: the report keeps what was seen.
    if (options.signal?.aborted) return { ...base, verdict: 'interrupted', bug };
    if (!bug.match.present) return { ...base, verdict: 'not-reproduced', bug };
    if (options.skipFix) return { ...base, verdict: 'reproduced-fixed', bug };
    const fix = await run(entry.fix, 'fix');
    if (options.signal?.aborted) return { ...base, verdict: 'interrupted', bug, fix };
    return { ...base, verdict: fix.match.present ? 'fix-did-not-clear' : 'reproduced-fixed', bug, fix };
  } finally {
    await redis?.close();
  }
}
