import { createPerSocket } from './per-socket.ts';
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

/** One breach of §6.3 at one socket, as data: `bazaar run` records it as evidence. */
export interface VersionViolation {
  socket: string;
  entity: string;
  event: string;
  /** e.g. `version > 5 (after listing:priceChanged)`. */
  expected: string;
  /** e.g. `listing:priceChanged version 4`. */
  observed: string;
  line: string;
}

export interface VersionCheckerOptions {
  /** Evidence lines kept per socket and entity for verdict(); default 3. */
  maxLinesPerSocket?: number;
  /** Hands each violation over as it happens instead of keeping lines for verdict() (a load run). */
  onViolation?(violation: VersionViolation): void;
}

/**
 * Contract §6.3: events for one listing or booking reach every socket in strictly increasing
 * `version`. Events sharing one entity share one sequence (a listing's priceChanged and
 * availabilityChanged). A socket that was away resumes after a gap: only a repeat or a descent
 * is a violation.
 */
export function createVersionChecker(options: VersionCheckerOptions = {}) {
  const maxLines = options.maxLinesPerSocket ?? 3;
  const { onViolation } = options;
  /** Per socket, per entity: the last version seen and its event. */
  const last = createPerSocket<{ event: string; version: number }>();
  const lines = new Map<string, string[]>();
  const report = (violation: VersionViolation) => {
    if (onViolation) {
      onViolation(violation);
      return;
    }
    const key = `${violation.socket}\u0000${violation.entity}`;
    let list = lines.get(key);
    if (!list) lines.set(key, (list = []));
    list.push(violation.line);
  };
  return {
    observe({ socket, entity, event, version }: VersionObservation): void {
      if (!Number.isSafeInteger(version)) {
        report({ socket, entity, event, expected: 'an integer version', observed: `${event} version ${JSON.stringify(version)}`,
          line: `${socket} got ${event} with version ${JSON.stringify(version)} for ${entity} (not an integer)` });
        return;
      }
      const entities = last.of(socket);
      const previous = entities.get(entity);
      if (previous && version <= previous.version) {
        const what = version === previous.version ? 'again after' : 'after';
        report({
          socket, entity, event,
          expected: `version > ${previous.version} (after ${previous.event})`,
          observed: `${event} version ${version}`,
          line: `${socket} got ${event} version ${version} ${what} ${previous.event} version ${previous.version} for ${entity}`,
        });
      }
      entities.set(entity, { event, version });
    },
    /** Drop what is kept for `socket` (for `entity`, or everywhere): it left the room, or for good. */
    forget(socket: string, entity?: string): void {
      last.forget(socket, entity);
    },
    /** How many socket-and-entity streams it holds (tests prove it follows what is active). */
    size: () => last.size(),
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
