/**
 * Presence as keys with a TTL (docs/contract.md §2.6.4). Disconnecting does not touch it: only
 * a lapse of the TTL makes a user offline, and `takeLapsed` hands each lapse out exactly once
 * so that exactly one `presence:changed {online:false}` is announced for it.
 */
export interface PresenceStore {
  /** Set or refresh the user's presence; `cameOnline` when the user was not online before. */
  touch(userId: string, ttlMs: number, nowMs: number): Promise<{ cameOnline: boolean }>;
  isOnline(userId: string): Promise<boolean>;
  /** Remove every presence whose TTL has lapsed by `nowMs` and return those users, once each. */
  takeLapsed(nowMs: number): Promise<string[]>;
}

export function createMemoryPresenceStore(): PresenceStore {
  const expiresAtMs = new Map<string, number>();

  return {
    async touch(userId, ttlMs, nowMs) {
      // A lapsed presence stays online until the sweep takes it: watchers were told online and
      // have not yet been told otherwise, so refreshing it now announces nothing (no flicker).
      const wasOnline = expiresAtMs.has(userId);
      expiresAtMs.set(userId, nowMs + ttlMs);
      return { cameOnline: !wasOnline };
    },
    async isOnline(userId) {
      // Consistent with what was announced: online until the sweep announces the lapse.
      return expiresAtMs.has(userId);
    },
    async takeLapsed(nowMs) {
      const lapsed: string[] = [];
      for (const [userId, expires] of expiresAtMs) {
        if (expires <= nowMs) {
          lapsed.push(userId);
          expiresAtMs.delete(userId);
        }
      }
      return lapsed;
    },
  };
}
