/*
 * presence.*: contract §6.4. Presence is a TTL refreshed by connects and heartbeats; a
 * disconnect does not end it. Watchers must see no flicker on quick reconnects, exactly one
 * offline once a user is gone past TTL + sweep, no ghost after that, and no false offline for a
 * user who keeps heartbeating. Every wait is sized from the target's `session` presence timing,
 * so the embedded server (TTL 2 s) takes seconds and a 60 s server a minute or so per check.
 */
import type { Role } from '../../contract/index.ts';
import { clockTime, createPresenceFlickerChecker } from '../checkers/presence-flicker.ts';
import { judgeOfflineAnnouncements } from '../checkers/presence-lapse.ts';
import { isWellFormedAck, LIVENESS_PING, type ProbeClient } from '../probe-client.ts';
import { CheckFailed, type CheckContext, type CheckDefinition, type PresenceTiming } from '../types.ts';

/** The contract's default timing (§6.4, sweep as assumed when a server does not say): timeouts are sized for it. */
const CONTRACT_DEFAULT: PresenceTiming = { ttlMs: 60_000, heartbeatMs: 20_000, sweepMs: 5_000 };
/** Connects, watches, acks and HTTP setup around the presence waits. */
const SETUP_ALLOWANCE_MS = 20_000;
/** Quick reconnects per no-flicker run. */
const RECONNECTS = 3;

export interface PresenceWaits {
  /** How long a quick reconnect stays away: well within the TTL. */
  gapMs: number;
  /** How often a well-behaved client heartbeats. */
  heartbeatEveryMs: number;
  /** For the wire and a busy event loop, on top of TTL + sweep. */
  marginMs: number;
  /** From a last touch: by then a lapse must have been announced. */
  lapseDeadlineMs: number;
  /** After the first offline: long enough for a duplicate to show up. */
  quietMs: number;
  /** Watching a user who must stay online: past a TTL and two sweeps, so a lapse would have been announced. */
  observeMs: number;
}

export function presenceWaits(p: PresenceTiming): PresenceWaits {
  const marginMs = Math.max(1_500, Math.round(p.ttlMs / 10));
  return {
    gapMs: Math.max(20, Math.min(200, Math.round(p.ttlMs / 10))),
    heartbeatEveryMs: Math.max(50, Math.min(p.heartbeatMs, Math.round(p.ttlMs / 3))),
    marginMs,
    lapseDeadlineMs: p.ttlMs + p.sweepMs + marginMs,
    quietMs: 2 * p.sweepMs + 300,
    observeMs: p.ttlMs + 2 * p.sweepMs + 500,
  };
}

/** What each check waits for at most, beyond setup: its timeout is this at the contract default. */
const NEEDS = {
  noFlicker: (w: PresenceWaits) => RECONNECTS * (w.gapMs + 2_000) + w.observeMs,
  offlineOnce: (w: PresenceWaits) => w.lapseDeadlineMs + w.quietMs,
  noGhost: (w: PresenceWaits) => w.lapseDeadlineMs,
  keepsOnline: (w: PresenceWaits) => w.observeMs,
};
const timeoutFor = (need: (w: PresenceWaits) => number) => need(presenceWaits(CONTRACT_DEFAULT)) + 2 * SETUP_ALLOWANCE_MS;
const TIMEOUT_MS = {
  noFlicker: timeoutFor(NEEDS.noFlicker),
  offlineOnce: timeoutFor(NEEDS.offlineOnce),
  noGhost: timeoutFor(NEEDS.noGhost),
  keepsOnline: timeoutFor(NEEDS.keepsOnline),
};

/**
 * A target whose TTL is longer than the contract default may not fit the check's time limit:
 * skip, saying what it would need and how to allow it, rather than time out.
 */
function tooSlow(ctx: CheckContext, need: (w: PresenceWaits) => number): { skipped: string } | undefined {
  const neededMs = need(presenceWaits(ctx.presence)) + SETUP_ALLOWANCE_MS;
  if (neededMs <= ctx.timeoutMs) return undefined;
  return {
    skipped: `the target's presence TTL is ${ctx.presence.ttlMs} ms (sweep ${ctx.presence.sweepMs} ms): this check needs about ${neededMs} ms, more than the ${ctx.timeoutMs} ms it may take; pass --max-wait ${Math.ceil(neededMs / 1_000)}s (or more) to run it`,
  };
}

/** A seller the server knows (it created a listing over HTTP) and that has no socket yet. */
async function knownSeller(ctx: CheckContext): Promise<string> {
  const seller = ctx.id('seller');
  await ctx.listing(seller);
  return seller;
}

/** A watcher of `userId` on its own connection, its watch acked. */
async function watcherOf(ctx: CheckContext, userId: string, role: Role): Promise<ProbeClient> {
  const watcher = await ctx.connect(ctx.id('watcher'), role);
  const ack = await watcher.ack<{ ok: boolean }>('presence:watch', userId);
  if (!ack?.ok) {
    throw new CheckFailed(`${watcher.name} sent presence:watch ${userId} (a seller known to the server: it created a listing) and got ${JSON.stringify(ack)}; expected {ok:true, online}`);
  }
  return watcher;
}

const isChange = (userId: string, online?: boolean) => (p: any) => p?.userId === userId && (online === undefined || p.online === online);

/** Every watcher hears `online:true` once the seller connects (§6.4: sent when a user who was not online connects). */
async function expectOnline(watchers: ProbeClient[], seller: ProbeClient, userId: string): Promise<void> {
  const timeoutMs = 5_000;
  const missing = (await Promise.all(watchers.map((w) => w.waitFor('presence:changed', isChange(userId, true), timeoutMs)))).flatMap((p, i) =>
    p ? [] : [`${watchers[i]!.name} saw no presence:changed {online:true} for ${userId} within ${timeoutMs} ms of ${seller.name} connecting (its watch was acked before the connect)`],
  );
  if (missing.length) throw new CheckFailed(...missing);
}

/** Heartbeats like a well-behaved client on whatever connection `current()` is, until stopped or the check is. */
function keepHeartbeating(current: () => ProbeClient, everyMs: number, signal: AbortSignal): () => void {
  const timer = setInterval(() => {
    const client = current();
    if (client.connected) client.emit('presence:heartbeat');
  }, everyMs);
  const stop = () => clearInterval(timer);
  signal.addEventListener('abort', stop, { once: true });
  return () => {
    signal.removeEventListener('abort', stop);
    stop();
  };
}

/** Receipt times of `presence:changed` about `userId` on this watcher. */
function changesOf(watcher: ProbeClient, userId: string): { online: boolean; atMs: number }[] {
  return watcher.received
    .filter((r) => r.event === 'presence:changed' && isChange(userId)(r.payload))
    .map((r) => ({ online: r.payload.online === true, atMs: r.atMs }));
}

/** A fresh connection (a new user) asks for the user's presence; returns its ack. */
async function freshWatch(ctx: CheckContext, userId: string): Promise<{ name: string; ack: any }> {
  const fresh = await ctx.connect(ctx.id('fresh'), 'buyer');
  return { name: fresh.name, ack: await fresh.ack('presence:watch', userId) };
}

/**
 * Heartbeat, then wait until the server has taken it. Its ack is optional (contract §5), so the
 * proof is the answer to a required-ack event sent after it on the same socket.
 */
async function heartbeatTaken(socket: ProbeClient): Promise<void> {
  socket.emit('presence:heartbeat');
  const answer = await socket.ping();
  if (answer.kind !== 'ack' || !isWellFormedAck(answer.ack)) {
    const what = answer.kind === 'ack' ? `answered ${JSON.stringify(answer.ack)}` : answer.kind === 'disconnected' ? `was cut by a disconnect (${answer.reason})` : 'got no answer';
    throw new CheckFailed(`${socket.name} sent presence:heartbeat, then ${LIVENESS_PING.label}, which ${what}: the socket is not served`);
  }
}

/** A seller connects, heartbeats once and goes away for good; returns when the heartbeat was sent. */
async function connectThenLeave(ctx: CheckContext, seller: string, watchers: ProbeClient[]): Promise<number> {
  const sellerSocket = await ctx.connect(seller, 'seller');
  await expectOnline(watchers, sellerSocket, seller);
  const lastTouchMs = Date.now();
  await heartbeatTaken(sellerSocket);
  sellerSocket.close();
  return lastTouchMs;
}

const noFlicker: CheckDefinition = {
  id: 'presence.no-flicker-on-reconnect',
  requires: ['presence'],
  title: 'quick reconnects within the TTL show watchers no offline/online pair',
  guarantee: 'contract §6.4 Presence: no flicker (disconnect does not delete presence)',
  timeoutMs: TIMEOUT_MS.noFlicker,
  longWaits: true,
  async run(ctx) {
    const slow = tooSlow(ctx, NEEDS.noFlicker);
    if (slow) return slow;
    const waits = presenceWaits(ctx.presence);
    const seller = await knownSeller(ctx);
    const watchers = [await watcherOf(ctx, seller, 'buyer'), await watcherOf(ctx, seller, 'seller')];
    const flicker = createPresenceFlickerChecker({ ttlMs: ctx.presence.ttlMs });
    let current = await ctx.connect(seller, 'seller');
    const stop = keepHeartbeating(() => current, waits.heartbeatEveryMs, ctx.signal);
    try {
      await expectOnline(watchers, current, seller);
      for (let i = 0; i < RECONNECTS; i++) {
        await heartbeatTaken(current);
        const droppedAtMs = Date.now();
        current.close();
        await ctx.sleep(waits.gapMs);
        current = await ctx.connect(seller, 'seller');
        flicker.reconnected(seller, droppedAtMs, Date.now());
        await current.waitFor('session');
      }
      // Past the TTL of every earlier connection: a server that keys presence by socket lapses now.
      await ctx.sleep(waits.observeMs);
    } finally {
      stop();
    }
    for (const watcher of watchers) {
      for (const change of changesOf(watcher, seller)) flicker.observe({ socket: watcher.name, userId: seller, ...change });
    }
    const { evidence } = flicker.verdict();
    for (const line of evidence) ctx.fail(line);
    if (evidence.length) {
      ctx.fail(`${seller} reconnected ${RECONNECTS} times, each away ${waits.gapMs} ms, heartbeating every ${waits.heartbeatEveryMs} ms (TTL ${ctx.presence.ttlMs} ms)`);
    }
  },
};

const offlineOnce: CheckDefinition = {
  id: 'presence.offline-once-after-ttl',
  requires: ['presence'],
  title: 'a user gone past TTL + sweep is announced offline exactly once, not before the TTL',
  guarantee: 'contract §6.4 Presence: offline exactly once when the TTL lapses',
  timeoutMs: TIMEOUT_MS.offlineOnce,
  longWaits: true,
  async run(ctx) {
    const slow = tooSlow(ctx, NEEDS.offlineOnce);
    if (slow) return slow;
    const waits = presenceWaits(ctx.presence);
    const seller = await knownSeller(ctx);
    const watchers = [await watcherOf(ctx, seller, 'buyer'), await watcherOf(ctx, seller, 'seller')];
    const lastTouchMs = await connectThenLeave(ctx, seller, watchers);
    await Promise.all(
      watchers.map((w) => w.waitFor('presence:changed', isChange(seller, false), Math.max(0, lastTouchMs + waits.lapseDeadlineMs - Date.now()))),
    );
    // One more sweep or two: a second announcement of the same lapse would show up by now.
    await ctx.sleep(waits.quietMs);
    for (const watcher of watchers) {
      const offlineAtMs = changesOf(watcher, seller).filter((c) => !c.online).map((c) => c.atMs);
      const lines = judgeOfflineAnnouncements({
        watcher: watcher.name,
        userId: seller,
        lastTouchMs,
        ttlMs: ctx.presence.ttlMs,
        sweepMs: ctx.presence.sweepMs,
        marginMs: waits.marginMs,
        offlineAtMs,
      });
      for (const line of lines) ctx.fail(line);
    }
  },
};

const noGhost: CheckDefinition = {
  id: 'presence.no-ghost',
  requires: ['presence'],
  title: 'after TTL + sweep a user who left is offline to a fresh watcher',
  guarantee: 'contract §6.4 Presence: no ghost (gone longer than TTL + sweep is shown offline)',
  timeoutMs: TIMEOUT_MS.noGhost,
  longWaits: true,
  async run(ctx) {
    const slow = tooSlow(ctx, NEEDS.noGhost);
    if (slow) return slow;
    const waits = presenceWaits(ctx.presence);
    const seller = await knownSeller(ctx);
    const watcher = await watcherOf(ctx, seller, 'buyer');
    const lastTouchMs = await connectThenLeave(ctx, seller, [watcher]);
    const deadlineAtMs = lastTouchMs + waits.lapseDeadlineMs;
    const offline = await watcher.waitFor('presence:changed', isChange(seller, false), Math.max(0, deadlineAtMs - Date.now()));
    // The rule is about TTL + sweep (+ margin): ask no earlier, whenever the announcement came.
    await ctx.sleep(Math.max(0, deadlineAtMs - Date.now()));
    const { name, ack } = await freshWatch(ctx, seller);
    const since = `${Date.now() - lastTouchMs} ms after ${seller}'s last heartbeat at ${clockTime(lastTouchMs)} and disconnect (TTL ${ctx.presence.ttlMs} ms, sweep ${ctx.presence.sweepMs} ms)`;
    if (!ack?.ok) ctx.fail(`${name} sent presence:watch ${seller} ${since} and got ${JSON.stringify(ack)}; expected {ok:true, online:false}`);
    else if (ack.online !== false) ctx.fail(`${name} sent presence:watch ${seller} ${since} and was answered online:${JSON.stringify(ack.online)}: a ghost`);
    if (!offline) ctx.fail(`${watcher.name}, watching since before ${seller} connected, got no presence:changed {online:false} within ${waits.lapseDeadlineMs} ms of the last heartbeat`);
  },
};

const keepsOnline: CheckDefinition = {
  id: 'presence.heartbeat-keeps-online',
  requires: ['presence'],
  title: 'a connected user who keeps heartbeating stays online past the TTL',
  guarantee: 'contract §6.4 Presence: heartbeats refresh the TTL (no false offline)',
  timeoutMs: TIMEOUT_MS.keepsOnline,
  longWaits: true,
  async run(ctx) {
    const slow = tooSlow(ctx, NEEDS.keepsOnline);
    if (slow) return slow;
    const waits = presenceWaits(ctx.presence);
    const seller = await knownSeller(ctx);
    const watchers = [await watcherOf(ctx, seller, 'buyer'), await watcherOf(ctx, seller, 'seller')];
    const sellerSocket = await ctx.connect(seller, 'seller');
    const stop = keepHeartbeating(() => sellerSocket, waits.heartbeatEveryMs, ctx.signal);
    const connectedAtMs = Date.now();
    try {
      await expectOnline(watchers, sellerSocket, seller);
      // Past the TTL of the connect itself, and sweeps to announce a lapse had it happened.
      await ctx.sleep(waits.observeMs);
    } finally {
      stop();
    }
    const flicker = createPresenceFlickerChecker({ ttlMs: ctx.presence.ttlMs });
    for (const watcher of watchers) {
      for (const change of changesOf(watcher, seller)) flicker.observe({ socket: watcher.name, userId: seller, ...change });
    }
    for (const line of flicker.verdict().evidence) ctx.fail(line);
    const { name, ack } = await freshWatch(ctx, seller);
    if (!ack?.ok || ack.online !== true) {
      ctx.fail(`${name} sent presence:watch ${seller} ${Date.now() - connectedAtMs} ms after ${sellerSocket.name} connected, heartbeating every ${waits.heartbeatEveryMs} ms, and got ${JSON.stringify(ack)}; expected {ok:true, online:true}`);
    }
    if (!sellerSocket.connected) ctx.fail(`${sellerSocket.name} was disconnected (${sellerSocket.disconnectReason}) while heartbeating`);
  },
};

export const presenceChecks: CheckDefinition[] = [noFlicker, offlineOnce, noGhost, keepsOnline];
