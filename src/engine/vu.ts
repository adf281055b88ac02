import type { Role } from '../contract/index.ts';
import { IterationClock, type IterationTiming } from '../client/clock.ts';
import { VirtualUser, type VirtualUserOptions } from '../client/virtual-user.ts';
import { parseDurationMs } from '../util/duration.ts';
import type { IterationContext, SeededWorld, ThinkOptions } from '../scenario/types.ts';

/** Builds a VirtualUser for a user id and role, sharing one run's metrics and clocks. */
export type UserFactory = (userId: string, role: Role, timing: IterationTiming) => VirtualUser;

/**
 * `live` holds the users that may hold a connection (each adds itself when it opens one and
 * leaves when it disconnects for good): the run closes them at its end. A user that left is
 * dropped, so a run of many short-lived users holds only those alive now.
 */
export function createUserFactory(
  base: Omit<VirtualUserOptions, 'userId' | 'role' | 'timing' | 'localAddress' | 'live'>,
  localAddresses: readonly string[] = [],
): { create: UserFactory; live: Set<VirtualUser> } {
  const live = new Set<VirtualUser>();
  let n = 0;
  const create: UserFactory = (userId, role, timing) => {
    const localAddress = localAddresses.length ? localAddresses[n++ % localAddresses.length] : undefined;
    return new VirtualUser({ ...base, userId, role, timing, live, ...(localAddress ? { localAddress } : {}) });
  };
  return { create, live };
}

export class AbortedError extends Error {
  constructor() {
    super('the run stopped');
    this.name = 'AbortError';
  }
}

interface Sleeper {
  timer: NodeJS.Timeout;
  reject(error: Error): void;
}

/** The sleeps pending on each signal, ended together by one abort listener per signal. */
const sleepersBySignal = new WeakMap<AbortSignal, Set<Sleeper>>();

function sleepersOf(signal: AbortSignal): Set<Sleeper> {
  let sleepers = sleepersBySignal.get(signal);
  if (!sleepers) {
    const pending = new Set<Sleeper>();
    signal.addEventListener('abort', () => {
      for (const sleeper of pending) {
        clearTimeout(sleeper.timer);
        sleeper.reject(new AbortedError());
      }
      pending.clear();
    }, { once: true });
    sleepersBySignal.set(signal, (sleepers = pending));
  }
  return sleepers;
}

/**
 * Waits `ms`, or rejects with AbortedError when `signal` aborts. Every VU of a group sleeps on
 * the group's one signal: a listener each would cost O(listeners) per think() (Node's
 * EventTarget walks its list on every add and remove), 5,000 idle users in one process spent a
 * third of their CPU there. So one listener per signal ends every pending sleep (issue 15).
 */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new AbortedError());
  return new Promise((resolve, reject) => {
    const sleepers = sleepersOf(signal);
    const sleeper: Sleeper = {
      timer: setTimeout(() => {
        sleepers.delete(sleeper);
        resolve();
      }, ms),
      reject,
    };
    sleepers.add(sleeper);
  });
}

/**
 * One virtual user slot of an actor group: the world entities it is bound to, the users it
 * has connected, and the timing of its current iteration.
 */
export class VuState {
  readonly number: number;
  /** Where this VU's steps are measured from; restarted by each iteration (run-group.ts). */
  readonly timing: IterationClock;
  iterations = 0;
  setupDone = false;
  private readonly users = new Map<string, VirtualUser>();
  private readonly world: SeededWorld;
  private readonly slot: number;
  private readonly createUser: UserFactory;
  private readonly signal: AbortSignal;
  private readonly thinkFactor: number;

  constructor(
    number: number,
    slot: number,
    world: SeededWorld,
    createUser: UserFactory,
    signal: AbortSignal,
    stallThresholdMs?: number,
    thinkFactor = 1,
  ) {
    this.timing = new IterationClock(stallThresholdMs);
    this.thinkFactor = thinkFactor;
    this.number = number;
    this.slot = slot;
    this.world = world;
    this.createUser = createUser;
    this.signal = signal;
  }

  /** Users this VU holds now (tests read it to prove a VU does not keep every user it made). */
  get heldUsers(): number {
    return this.users.size;
  }

  /** The VU's user of that id: one that left for good is replaced by a fresh one, which connects on first use. */
  user(userId: string, role: Role): VirtualUser {
    let user = this.users.get(userId);
    if (!user || user.closed) {
      user = this.createUser(userId, role, this.timing);
      this.users.set(userId, user);
    }
    return user;
  }

  context(): IterationContext {
    // Users that left for good, or never opened a connection (HTTP only), are not kept across
    // iterations: ids may differ per iteration, and a fresh one costs an object.
    for (const [id, user] of this.users) if (user.closed || user.unattached) this.users.delete(id);
    const { world, slot } = this;
    const pick = <T>(items: T[]): T | undefined => (items.length ? items[slot % items.length] : undefined);
    const booking = pick(world.bookings);
    const listing = booking ? world.listings.find((l) => l.id === booking.listingId) : pick(world.listings);
    const buyerId = booking?.buyerId ?? pick(world.buyers) ?? `b${slot + 1}`;
    const sellerId = booking?.sellerId ?? listing?.sellerId ?? pick(world.sellers) ?? `s${slot + 1}`;
    const adminId = pick(world.admins) ?? 'a1';
    const vu = this;
    return {
      vu: this.number,
      iteration: this.iterations,
      world,
      booking,
      listing,
      get buyer() {
        return vu.user(buyerId, 'buyer');
      },
      get seller() {
        return vu.user(sellerId, 'seller');
      },
      get admin() {
        return vu.user(adminId, 'admin');
      },
      user: (userId, role) => vu.user(userId, role),
      think: (duration, options) => sleep(thinkMs(duration, options, vu.thinkFactor), vu.signal),
      signal: this.signal,
    };
  }
}

/** A think() pause in ms: jittered, then rescaled with the timeline (`factor` is --duration's). */
export function thinkMs(duration: string | number, options: ThinkOptions = {}, factor = 1, random = Math.random): number {
  const ms = typeof duration === 'number' ? duration : parseDurationMs(duration, 'think');
  const jitter = Math.min(1, Math.max(0, options.jitter ?? 0));
  return Math.max(0, ms * (1 + jitter * (2 * random() - 1)) * factor);
}
