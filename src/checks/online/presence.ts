/**
 * Presence under load (docs/contract.md §6.4), judged online with the rule `bazaar check` uses
 * (stepPresence, src/checks/checkers/presence-flicker.ts). The harness drives the users, so it
 * knows when each was connected and when it last heartbeated:
 * - flicker: a watcher told a user is offline while that user was kept present (connected and
 *   heartbeating, or away for less than the TTL since its last heartbeat);
 * - twice: a watcher told offline after offline, or online after online;
 * - ghost: a watcher in the user's presence room from before the user left for good that has not
 *   been told offline by the user's last heartbeat + TTL + sweep + a margin.
 * Pure: times come in as arguments; the caller runs due() on a timer.
 */
import { stepPresence, type PresenceStream } from '../checkers/presence-flicker.ts';

export interface PresenceTiming {
  ttlMs: number;
  heartbeatMs: number;
  sweepMs: number;
}

export interface PresenceViolation {
  watcher: object;
  userId: string;
  expected: string;
  observed: string;
}

/** Who is in which room since when (the run's room census). */
export interface PresenceMembership {
  members(room: string): Iterable<[object, number]>;
}

export interface OnlinePresenceOptions {
  onViolation(violation: PresenceViolation): void;
  /** Added to TTL + sweep before a ghost is called: the wire and a busy server. */
  marginMs: number;
  /** A server timer may fire a hair early: an offline this much before the lapse is not held against it. Default 100. */
  toleranceMs?: number;
  /**
   * The server touched presence at the connect, some time before its `session` reached us: the
   * touch is taken this much before the session's receipt, so a slow handshake is no flicker. Default 500.
   */
  handshakeMs?: number;
}

interface UserState {
  connections: Set<object>;
  /** µs of the last touch known to have reached the server no earlier (a heartbeat sent, a connect). */
  lastTouchUs: number;
  /** The last few heartbeats sent, oldest first: one sent just before a drop may never be handled. */
  recentTouchesUs: number[];
  /** µs of the last `session` (a connect). */
  lastSessionUs: number;
  /** A lapse may have happened while the user was away: offlines until then are owed, not flicker. */
  mayLapseUntilUs: number;
  /**
   * The last time the user's presence may have lapsed (away, or no heartbeat, for a TTL): a
   * server may announce online again after it without an offline between (the lapse had not
   * been swept yet), so an online after an online is judged only when none came between.
   */
  mayHaveLapsedAtUs: number;
}

interface Departure {
  userId: string;
  leftAtUs: number;
  lastTouchUs: number;
  dueUs: number;
}

export function createOnlinePresence(options: OnlinePresenceOptions) {
  const toleranceUs = (options.toleranceMs ?? 100) * 1000;
  const handshakeUs = (options.handshakeMs ?? 500) * 1000;
  let timing: PresenceTiming | undefined;
  const users = new Map<string, UserState>();
  /** Per watcher connection, per watched user: the last change it got, and when. */
  const streams = new Map<object, Map<string, PresenceStream & { atUs: number }>>();
  /** Users that left, oldest first (deadlines come in the same order: one TTL for all). */
  const departures: Departure[] = [];
  const ms = (us: number) => Math.round(us / 1000);

  const userOf = (userId: string, atUs: number): UserState => {
    let user = users.get(userId);
    if (!user) users.set(userId, (user = { connections: new Set(), lastTouchUs: atUs, recentTouchesUs: [], lastSessionUs: atUs, mayLapseUntilUs: -Infinity, mayHaveLapsedAtUs: -Infinity }));
    return user;
  };

  /** A connection of `userId` went away; the user left when it was its last. */
  const disconnected = (connection: object, userId: string, atUs: number) => {
    const user = users.get(userId);
    if (!user || !user.connections.delete(connection) || user.connections.size > 0) return;
    if (!timing) {
      users.delete(userId);
      return;
    }
    // Socket.IO drops events a server reads after the disconnect that follows them in the same
    // batch: a heartbeat sent just before the drop may never have touched anything.
    const graceUs = Math.min(1_000, timing.ttlMs / 4) * 1000;
    const handled = user.recentTouchesUs.filter((touchUs) => touchUs <= atUs - graceUs).at(-1);
    user.lastTouchUs = handled ?? Math.min(user.lastTouchUs, user.lastSessionUs - handshakeUs);
    user.recentTouchesUs.length = 0;
    const dueUs = user.lastTouchUs + (timing.ttlMs + timing.sweepMs + options.marginMs) * 1000;
    departures.push({ userId, leftAtUs: atUs, lastTouchUs: user.lastTouchUs, dueUs });
  };

  return {
    /** A connection of `userId` is up (its `session` arrived): the server touched its presence. */
    session(connection: object, userId: string, announced: PresenceTiming | undefined, atUs: number): void {
      if (announced && !timing) timing = announced;
      // This connection was away: what it had been told is stale, and it missed what came meanwhile.
      streams.delete(connection);
      const user = userOf(userId, atUs);
      if (user.connections.size === 0 && timing && atUs - user.lastTouchUs >= timing.ttlMs * 1000 - toleranceUs) {
        // Away past the TTL: the lapse is owed, announced up to a sweep (and the wire) after now.
        user.mayLapseUntilUs = atUs + (timing.sweepMs + options.marginMs) * 1000;
        user.mayHaveLapsedAtUs = user.lastTouchUs + timing.ttlMs * 1000;
      }
      user.connections.add(connection);
      user.lastSessionUs = atUs;
      user.lastTouchUs = Math.max(user.lastTouchUs, atUs - handshakeUs);
    },
    /** A connection sent a heartbeat. */
    touched(connection: object, userId: string, atUs: number): void {
      const user = users.get(userId);
      if (!user?.connections.has(connection)) return;
      // A heartbeat a TTL after the last one (a stalled generator): the presence may have lapsed meanwhile.
      if (timing && atUs - user.lastTouchUs >= timing.ttlMs * 1000 - toleranceUs) user.mayHaveLapsedAtUs = user.lastTouchUs + timing.ttlMs * 1000;
      user.lastTouchUs = atUs;
      user.recentTouchesUs.push(atUs);
      if (user.recentTouchesUs.length > 8) user.recentTouchesUs.shift();
    },
    /** A connection dropped (it may come back: a `session` then says so). */
    dropped(connection: object, userId: string, atUs: number): void {
      streams.delete(connection);
      disconnected(connection, userId, atUs);
    },
    /** A connection left for good. */
    closed(connection: object, userId: string, atUs: number): void {
      streams.delete(connection);
      disconnected(connection, userId, atUs);
    },
    /** A watcher left `userId`'s presence room. */
    unwatched(watcher: object, userId: string): void {
      const watched = streams.get(watcher);
      watched?.delete(userId);
      if (watched?.size === 0) streams.delete(watcher);
    },
    /** `watcher` received `presence:changed {userId, online}`. */
    changed(watcher: object, userId: string, online: boolean, atUs: number): void {
      let watched = streams.get(watcher);
      if (!watched) streams.set(watcher, (watched = new Map()));
      let stream = watched.get(userId);
      if (!stream) watched.set(userId, (stream = { lastOnline: undefined, atUs }));
      const before = stream.atUs;
      stream.atUs = atUs;
      const user = users.get(userId);
      const sinceTouchUs = user ? atUs - user.lastTouchUs : Infinity;
      const present = !!user && !!timing && sinceTouchUs < timing.ttlMs * 1000 - toleranceUs && atUs > user.mayLapseUntilUs;
      const breach = stepPresence(stream, online, present);
      if (breach === 'offline-while-present') {
        const how = user!.connections.size > 0 ? 'connected and heartbeating' : 'away less than the TTL';
        options.onViolation({
          watcher, userId,
          expected: `no offline for ${userId} while ${how} (last heartbeat ${ms(sinceTouchUs)} ms before; TTL ${timing!.ttlMs} ms)`,
          observed: `presence:changed {online:false} for ${userId} (flicker)`,
        });
      } else if (breach === 'offline-again') {
        options.onViolation({
          watcher, userId,
          expected: `one presence:changed {online:false} per lapse of ${userId}`,
          observed: `offline again, ${ms(atUs - before)} ms after the last offline, no online between`,
        });
      } else if (breach === 'online-again' && user && user.mayHaveLapsedAtUs < before) {
        options.onViolation({
          watcher, userId,
          expected: `presence:changed {online:true} for ${userId} only after an offline`,
          observed: `online again, ${ms(atUs - before)} ms after the last online, no offline between`,
        });
      }
    },
    /**
     * Judge the users whose offline is due by `nowUs`: each watcher in their presence room from
     * before they left must have been told. Users that came back are not judged.
     */
    due(nowUs: number, membership: PresenceMembership): void {
      while (departures.length > 0 && departures[0]!.dueUs <= nowUs) {
        const { userId, leftAtUs, lastTouchUs } = departures.shift()!;
        const user = users.get(userId);
        if (user && (user.connections.size > 0 || user.lastSessionUs > leftAtUs)) continue;
        users.delete(userId);
        for (const [watcher, sinceUs] of membership.members(`presence:${userId}`)) {
          if (sinceUs > leftAtUs) continue;
          const stream = streams.get(watcher)?.get(userId);
          if (stream?.lastOnline === false && stream.atUs >= leftAtUs) continue;
          options.onViolation({
            watcher, userId,
            expected: `presence:changed {online:false} for ${userId} within TTL ${timing!.ttlMs} ms + sweep ${timing!.sweepMs} ms + ${options.marginMs} ms of its last heartbeat`,
            observed: `none ${ms(nowUs - lastTouchUs)} ms after it; ${userId} left ${ms(nowUs - leftAtUs)} ms ago and is still shown online (ghost)`,
          });
        }
      }
    },
    /** Whether due() has anything to wait for. */
    pending: () => departures.length > 0,
    /** Forget every departure (the run is over: what was not due yet is not judged). */
    clear(): void {
      departures.length = 0;
    },
    /** Watcher-and-user streams held (one per watcher per user it watches). */
    streams(): number {
      let n = 0;
      for (const watched of streams.values()) n += watched.size;
      return n;
    },
    /** Users held: connected ones, and those whose offline is not due yet. */
    users: () => users.size,
  };
}

export type OnlinePresence = ReturnType<typeof createOnlinePresence>;
