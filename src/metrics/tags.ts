export type Tags = Record<string, string>;

/**
 * The canonical name of one series: `name{a:1,b:2}` with tag keys sorted, `name` without tags.
 * Same spelling as a threshold key (`ack{event:message:send}`), so thresholds and reports agree.
 */
export function seriesKey(name: string, tags: Tags): string {
  const keys = Object.keys(tags).sort();
  if (keys.length === 0) return name;
  return `${name}{${keys.map((key) => `${key}:${tags[key]}`).join(',')}}`;
}

/** True when every tag in `wanted` is present in `tags` with the same value (an empty filter matches all). */
export function tagsInclude(tags: Tags, wanted: Tags): boolean {
  for (const [key, value] of Object.entries(wanted)) {
    if (tags[key] !== value) return false;
  }
  return true;
}
