/**
 * Flicker (docs/contract.md §6.4): a user who never stayed away longer than the TTL must not be
 * shown offline, nor announced online a second time. Fed the `presence:changed` each watcher
 * received and the windows in which the user had no connection; says who saw what, and when.
 * Pure: times come in with the observations.
 */

export interface PresenceObservation {
  /** The watcher's connection, `user@cN`. */
  socket: string;
  userId: string;
  online: boolean;
  /** When the watcher received it, epoch ms. */
  atMs: number;
}

export interface CheckerVerdict {
  passed: boolean;
  evidence: string[];
}

/** What one `presence:changed` breaks on one watcher's stream of one user (§6.4). */
export type PresenceBreach = 'offline-while-present' | 'offline-again' | 'online-again';

/** One watcher's view of one user: the last change it received. */
export interface PresenceStream {
  lastOnline: boolean | undefined;
}

/**
 * The one rule, shared by `bazaar check` (verdict) and `bazaar run` (online): an offline while
 * the user was kept present (connected and heartbeating, or away less than the TTL) is a
 * flicker; an offline after an offline, or an online after an online, is announced twice.
 * `present` is what the caller knows of the user when the change arrived.
 */
export function stepPresence(stream: PresenceStream, online: boolean, present: boolean): PresenceBreach | undefined {
  const last = stream.lastOnline;
  stream.lastOnline = online;
  if (!online) return present ? 'offline-while-present' : last === false ? 'offline-again' : undefined;
  return last === true ? 'online-again' : undefined;
}

export interface PresenceFlickerChecker {
  observe(observation: PresenceObservation): void;
  /** The user had no connection from `fromMs` until it was back at `toMs` (a quick reconnect). */
  reconnected(userId: string, fromMs: number, toMs: number): void;
  verdict(): CheckerVerdict;
}

/** Wall-clock time of day, UTC, to the millisecond: `12:00:01.200`. */
export function clockTime(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23);
}

export function createPresenceFlickerChecker(options: { ttlMs: number; maxLinesPerSocket?: number }): PresenceFlickerChecker {
  const maxLines = options.maxLinesPerSocket ?? 3;
  const observations: PresenceObservation[] = [];
  const gaps: { userId: string; fromMs: number; toMs: number }[] = [];

  /** Why an offline at `atMs` was wrong: the reconnect it fell into, or none at all. */
  const context = (userId: string, atMs: number): string => {
    const gap = gaps.filter((g) => g.userId === userId && g.fromMs <= atMs && atMs < g.fromMs + options.ttlMs).at(-1);
    if (!gap) return `while ${userId} was connected and heartbeating (TTL ${options.ttlMs} ms)`;
    return `during a reconnect within the TTL (${userId} disconnected at ${clockTime(gap.fromMs)} and was back ${gap.toMs - gap.fromMs} ms later; TTL ${options.ttlMs} ms)`;
  };

  return {
    observe(observation) {
      observations.push(observation);
    },
    reconnected(userId, fromMs, toMs) {
      gaps.push({ userId, fromMs, toMs });
    },
    verdict() {
      const evidence: string[] = [];
      const streams = new Map<string, PresenceObservation[]>();
      for (const o of observations) {
        const key = `${o.socket}\u0000${o.userId}`;
        let stream = streams.get(key);
        if (!stream) streams.set(key, (stream = []));
        stream.push(o);
      }
      for (const stream of streams.values()) {
        // Stable sort: observations recorded in arrival order keep it on equal times.
        stream.sort((a, b) => a.atMs - b.atMs);
        const lines: string[] = [];
        // Here the user is kept present throughout (the check drives it): every offline is a flicker.
        const state: PresenceStream = { lastOnline: undefined };
        for (const [index, o] of stream.entries()) {
          const breach = stepPresence(state, o.online, true);
          if (breach === 'offline-while-present') {
            const back = stream.slice(index + 1).find((later) => later.online);
            const after = back ? ` and online ${back.atMs - o.atMs} ms later` : ' (and not back online)';
            lines.push(`${o.socket} saw ${o.userId} go offline at ${clockTime(o.atMs)}${after} ${context(o.userId, o.atMs)}`);
          } else if (breach === 'online-again') {
            lines.push(
              `${o.socket} saw ${o.userId} announced online again at ${clockTime(o.atMs)} without an offline between (${o.userId} never left for longer than the TTL)`,
            );
          }
        }
        evidence.push(...lines.slice(0, maxLines));
        if (lines.length > maxLines) evidence.push(`${stream[0]!.socket}: and ${lines.length - maxLines} more like these`);
      }
      return { passed: evidence.length === 0, evidence };
    },
  };
}
