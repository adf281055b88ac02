import type { Verdict } from './messaging-evidence.ts';

/** One versioned event as one socket saw it. */
export interface VersionObservation {
  socket: string;
  /** What the version belongs to, e.g. `listing l_x` or `booking b_y`. */
  entity: string;
  /** The event name, e.g. `listing:priceChanged`. */
  event: string;
  version: number;
}

/**
 * Contract §6.3: events for one listing or booking reach every socket in strictly increasing
 * `version`. Events sharing one entity share one sequence (a listing's priceChanged and
 * availabilityChanged).
 */
export function createVersionChecker(options: { maxLinesPerSocket?: number } = {}) {
  const maxLines = options.maxLinesPerSocket ?? 3;
  const last = new Map<string, { event: string; version: number }>();
  const lines = new Map<string, string[]>();
  const report = (key: string, line: string) => {
    let list = lines.get(key);
    if (!list) lines.set(key, (list = []));
    list.push(line);
  };
  return {
    observe({ socket, entity, event, version }: VersionObservation): void {
      const key = `${socket}\u0000${entity}`;
      if (!Number.isSafeInteger(version)) {
        report(key, `${socket} got ${event} with version ${JSON.stringify(version)} for ${entity} (not an integer)`);
        return;
      }
      const previous = last.get(key);
      if (previous && version <= previous.version) {
        const what = version === previous.version ? 'again after' : 'after';
        report(key, `${socket} got ${event} version ${version} ${what} ${previous.event} version ${previous.version} for ${entity}`);
      }
      last.set(key, { event, version });
    },
    /** At most `maxLinesPerSocket` lines per socket and entity, then how many more. */
    verdict(): Verdict {
      const evidence: string[] = [];
      for (const [key, list] of lines) {
        evidence.push(...list.slice(0, maxLines));
        if (list.length > maxLines) {
          const [socket, entity] = key.split('\u0000');
          evidence.push(`${socket} got ${list.length - maxLines} more events out of version order for ${entity}`);
        }
      }
      return { passed: evidence.length === 0, evidence };
    },
  };
}

export type VersionChecker = ReturnType<typeof createVersionChecker>;
