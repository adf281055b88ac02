/**
 * Metric tags from a script's own names (event names of the generic steps, HTTP routes) are
 * bounded: every distinct value is one more series in memory, in result.json and in every
 * partial report, so an app that puts ids in event names (`room:42:message`) or a path with ids
 * used as its route would grow a run's series without end. The first `maxValues` distinct values
 * are kept as they are; later ones are recorded under `other`, with one warning per run.
 */
export const MAX_TAG_VALUES = 100;
export const OVERFLOW_TAG_VALUE = 'other';

export interface TagGuard {
  /** The value to record under: itself, or `other` once the cap is reached. */
  tag(value: string): string;
}

export function createTagGuard(key: string, onOverflow?: (message: string) => void, maxValues = MAX_TAG_VALUES): TagGuard {
  const seen = new Set<string>();
  let warned = false;
  return {
    tag(value) {
      if (seen.has(value)) return value;
      if (seen.size < maxValues) {
        seen.add(value);
        return value;
      }
      if (!warned) {
        warned = true;
        onOverflow?.(
          `more than ${maxValues} distinct ${key} tag values (the latest: "${value}"): later ones are recorded as ${key}:${OVERFLOW_TAG_VALUE}. ` +
            `Keep ids out of ${key === 'route' ? 'routes (pass request(..., { route }) with :id)' : 'event names (put them in the payload)'}`,
        );
      }
      return OVERFLOW_TAG_VALUE;
    },
  };
}

/** The tag guards one run shares among its users (each tag key its own cap). */
export interface TagGuards {
  event: TagGuard;
  route: TagGuard;
}

export function createTagGuards(onOverflow?: (message: string) => void, maxValues = MAX_TAG_VALUES): TagGuards {
  return { event: createTagGuard('event', onOverflow, maxValues), route: createTagGuard('route', onOverflow, maxValues) };
}
