/**
 * Which keys were already asked about (a repeated read:mark is answered without a read:updated,
 * so only the first mark of a message is owed one), held per scope (the message's booking room)
 * while the scope is in use: a scope with no key asked about since the idle period and nobody of
 * the run in its room (`inUse` says) is forgotten whole. A repeat within the booking's use is
 * therefore always known as one; a mark of a message whose booking was forgotten counts as first
 * (as one past the old global cap did). `maxKeys` stays as a safety net (oldest first). Pure:
 * times come in as arguments.
 */
export interface FirstMarks {
  /** Whether `key` (in `scope`) is asked about for the first time; asked at `atUs`. */
  firstTime(key: string, scope: string, atUs: number): boolean;
  /** Forget the scopes idle since `beforeUs` and not in use; returns how many keys went. */
  forgetIdle(beforeUs: number, inUse: (scope: string) => boolean): number;
  size(): number;
  scopes(): number;
}

export function createFirstMarks(options: { maxKeys?: number } = {}): FirstMarks {
  const maxKeys = options.maxKeys ?? 10_000;
  /** key → its scope, oldest first. */
  const keys = new Map<string, string>();
  /** scope → when last asked about and its keys, least recently asked first. */
  const scopes = new Map<string, { lastUs: number; keys: Set<string> }>();
  return {
    firstTime(key, scope, atUs) {
      let s = scopes.get(scope);
      if (s) scopes.delete(scope);
      else s = { lastUs: atUs, keys: new Set() };
      s.lastUs = Math.max(s.lastUs, atUs);
      scopes.set(scope, s);
      if (keys.has(key)) return false;
      keys.set(key, scope);
      s.keys.add(key);
      if (keys.size > maxKeys) {
        const [oldest, in_] = keys.entries().next().value as [string, string];
        keys.delete(oldest);
        scopes.get(in_)?.keys.delete(oldest);
      }
      return true;
    },
    forgetIdle(beforeUs, inUse) {
      let dropped = 0;
      for (const [scope, s] of scopes) {
        if (s.lastUs >= beforeUs) break;
        if (inUse(scope)) continue;
        scopes.delete(scope);
        for (const key of s.keys) keys.delete(key);
        dropped += s.keys.size;
      }
      return dropped;
    },
    size: () => keys.size,
    scopes: () => scopes.size,
  };
}
