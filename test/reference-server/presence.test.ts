import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeAllClients, sleep, type TestClient } from '../helpers/client.ts';
import { startWorld, type TestWorld } from '../helpers/world.ts';

// Short presence settings so that lapses happen within a test.
const TTL_MS = 600;
const HEARTBEAT_MS = 200;
const SWEEP_MS = 50;
/** Generous bound for "the TTL lapsed and the sweep announced it" (TTL + sweep + margin). */
const OFFLINE_WAIT_MS = TTL_MS + SWEEP_MS + 1_500;
/** Long enough to see a second announcement if one were coming: a few sweeps. */
const QUIET_MS = 4 * SWEEP_MS + 200;

let world: TestWorld;
beforeAll(async () => {
  world = await startWorld({ presenceTtlMs: TTL_MS, presenceHeartbeatMs: HEARTBEAT_MS, presenceSweepMs: SWEEP_MS });
});

const heartbeats = new Set<NodeJS.Timeout>();
afterEach(() => {
  for (const timer of heartbeats) clearInterval(timer);
  heartbeats.clear();
  closeAllClients();
});
afterAll(() => world.close());

let n = 0;
const uid = (prefix: string) => `${prefix}${++n}`;

/** A seller the server knows (it authenticated over HTTP) but that has never connected a socket. */
async function knownSeller(): Promise<string> {
  const seller = uid('seller');
  await world.listing(seller);
  return seller;
}

/** Heartbeats like a well-behaved client until the test ends (or `stop` is called). */
function keepAlive(client: TestClient): () => void {
  const timer = setInterval(() => {
    if (client.socket.connected) client.socket.emit('presence:heartbeat');
  }, HEARTBEAT_MS);
  heartbeats.add(timer);
  return () => {
    clearInterval(timer);
    heartbeats.delete(timer);
  };
}

async function watcherOf(sellerId: string, sub = uid('watcher'), role: 'buyer' | 'seller' | 'admin' = 'buyer') {
  const watcher = await world.connect(sub, role);
  const ack = await watcher.ack('presence:watch', sellerId);
  expect(ack.ok).toBe(true);
  return { watcher, ack };
}

/** The `online` values this client was told about `userId`, in order. */
const transitions = (client: TestClient, userId: string): boolean[] =>
  client.payloadsOf('presence:changed').filter((p) => p.userId === userId).map((p) => p.online);

const waitOnline = (client: TestClient, userId: string, online: boolean, timeoutMs = 3_000) =>
  client.waitFor('presence:changed', (p) => p.userId === userId && p.online === online, timeoutMs);

describe('session presence settings (contract §5)', () => {
  it('announces ttlMs, heartbeatMs and sweepMs as configured', async () => {
    const client = await world.connect(uid('b'), 'buyer');
    const session = await client.waitFor('session');
    expect(session.presence).toEqual({ ttlMs: TTL_MS, heartbeatMs: HEARTBEAT_MS, sweepMs: SWEEP_MS });
    // A client that heartbeats at heartbeatMs must stay inside the TTL.
    expect(session.presence.heartbeatMs).toBeLessThan(session.presence.ttlMs);
  });
});

describe('presence:watch (contract §4, §5)', () => {
  it('acks {ok:true, online} with the current presence of the seller', async () => {
    const seller = await knownSeller();
    const { watcher, ack: before } = await watcherOf(seller);
    expect(before).toEqual({ ok: true, online: false });
    const sellerSocket = await world.connect(seller, 'seller');
    keepAlive(sellerSocket);
    await waitOnline(watcher, seller, true);
    const { ack: after } = await watcherOf(seller);
    expect(after).toEqual({ ok: true, online: true });
    expect(await watcher.ack('presence:watch', seller)).toEqual({ ok: true, online: true });
  });

  it('lets any role watch a seller, known from a socket connect as well as from HTTP', async () => {
    const seller = uid('seller');
    const first = await world.connect(seller, 'seller');
    await first.waitFor('session');
    for (const role of ['buyer', 'seller', 'admin'] as const) {
      const client = await world.connect(uid(role), role);
      expect(await client.ack('presence:watch', seller)).toMatchObject({ ok: true });
    }
  });

  it('refuses a non-admin watching a buyer or an unknown user, and lets an admin watch anyone', async () => {
    const buyer = uid('buyer');
    await (await world.connect(buyer, 'buyer')).waitFor('session');
    const watcher = await world.connect(uid('watcher'), 'seller');
    expect(await watcher.ack('presence:watch', buyer)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await watcher.ack('presence:watch', uid('nobody'))).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const admin = await world.connect(uid('admin'), 'admin');
    expect(await admin.ack('presence:watch', buyer)).toMatchObject({ ok: true, online: true });
  });

  it('answers bad_request for a userId that is not an id', async () => {
    const watcher = await world.connect(uid('watcher'), 'buyer');
    for (const bad of ['a:b', '', 42, null, ['x'], { id: 'x' }, 'x'.repeat(65)]) {
      expect(await watcher.ack('presence:watch', bad)).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    }
  });
});

describe('presence transitions (contract §6.4)', () => {
  it('a seller connecting gives the watcher exactly one online:true', async () => {
    const seller = await knownSeller();
    const { watcher } = await watcherOf(seller);
    const sellerSocket = await world.connect(seller, 'seller');
    keepAlive(sellerSocket);
    const changed = await waitOnline(watcher, seller, true);
    expect(changed).toMatchObject({ userId: seller, online: true });
    expect(typeof changed.at).toBe('number');
    // Heartbeats refresh the TTL but never announce again.
    await sleep(2 * HEARTBEAT_MS + QUIET_MS);
    expect(transitions(watcher, seller)).toEqual([true]);
  });

  it('a reconnect well within the TTL shows no offline and no second online (no flicker)', async () => {
    const seller = await knownSeller();
    const { watcher } = await watcherOf(seller);
    const first = await world.connect(seller, 'seller');
    await waitOnline(watcher, seller, true);
    expect(await first.ack('presence:heartbeat')).toEqual({ ok: true });
    first.close();
    await sleep(TTL_MS / 6);
    const again = await world.connect(seller, 'seller');
    keepAlive(again);
    // Observe well past the TTL of the first connection, with the reconnected seller heartbeating.
    await sleep(2 * TTL_MS + QUIET_MS);
    expect(transitions(watcher, seller)).toEqual([true]);
    expect(await watcher.ack('presence:watch', seller)).toEqual({ ok: true, online: true });
  });

  it('a seller gone for good is announced offline exactly once, after the TTL lapses', async () => {
    const seller = await knownSeller();
    const { watcher } = await watcherOf(seller);
    const sellerSocket = await world.connect(seller, 'seller');
    await waitOnline(watcher, seller, true);
    expect(await sellerSocket.ack('presence:heartbeat')).toEqual({ ok: true });
    sellerSocket.close();
    // A disconnect itself does not make anyone offline.
    await sleep(TTL_MS / 3);
    expect(transitions(watcher, seller)).toEqual([true]);
    // Once the TTL has lapsed and a sweep has run: offline, once.
    await waitOnline(watcher, seller, false, OFFLINE_WAIT_MS);
    await sleep(QUIET_MS);
    expect(transitions(watcher, seller)).toEqual([true, false]);
    expect(await watcher.ack('presence:watch', seller)).toEqual({ ok: true, online: false });
  });

  it('a connected seller that keeps heartbeating stays online well past the TTL', async () => {
    const seller = await knownSeller();
    const { watcher } = await watcherOf(seller);
    const sellerSocket = await world.connect(seller, 'seller');
    keepAlive(sellerSocket);
    await waitOnline(watcher, seller, true);
    await sleep(3 * TTL_MS);
    expect(transitions(watcher, seller)).toEqual([true]);
    expect(await watcher.ack('presence:watch', seller)).toEqual({ ok: true, online: true });
  });

  it('a user whose TTL lapsed and who comes back is announced online again', async () => {
    const seller = await knownSeller();
    const { watcher } = await watcherOf(seller);
    const first = await world.connect(seller, 'seller');
    await waitOnline(watcher, seller, true);
    first.close();
    await waitOnline(watcher, seller, false, OFFLINE_WAIT_MS);
    const back = await world.connect(seller, 'seller');
    keepAlive(back);
    await watcher.waitFor('presence:changed', (p) => p.userId === seller && p.online && transitions(watcher, seller).length === 3);
    await sleep(QUIET_MS);
    expect(transitions(watcher, seller)).toEqual([true, false, true]);
  });

  it('a heartbeat from a socket whose user was swept offline announces online again', async () => {
    const seller = await knownSeller();
    const { watcher } = await watcherOf(seller);
    const sellerSocket = await world.connect(seller, 'seller');
    await waitOnline(watcher, seller, true);
    // Connected but silent: the TTL lapses.
    await waitOnline(watcher, seller, false, OFFLINE_WAIT_MS);
    expect(await sellerSocket.ack('presence:heartbeat')).toEqual({ ok: true });
    await watcher.waitFor('presence:changed', () => transitions(watcher, seller).length === 3);
    expect(transitions(watcher, seller)).toEqual([true, false, true]);
  });

  it('every watcher sees the same single transitions', async () => {
    const seller = await knownSeller();
    const buyerWatcher = uid('wb');
    const watchers = [
      (await watcherOf(seller, buyerWatcher, 'buyer')).watcher,
      // a second tab of the same watcher
      (await watcherOf(seller, buyerWatcher, 'buyer')).watcher,
      (await watcherOf(seller, uid('ws'), 'seller')).watcher,
      (await watcherOf(seller, uid('wa'), 'admin')).watcher,
    ];

    const sellerSocket = await world.connect(seller, 'seller');
    for (const watcher of watchers) await waitOnline(watcher, seller, true);
    sellerSocket.close();
    for (const watcher of watchers) await waitOnline(watcher, seller, false, OFFLINE_WAIT_MS);
    await sleep(QUIET_MS);
    for (const watcher of watchers) expect(transitions(watcher, seller)).toEqual([true, false]);
    const stamps = watchers.map((w) => w.payloadsOf('presence:changed').filter((p) => p.userId === seller).map((p) => p.at));
    for (const s of stamps) expect(s).toEqual(stamps[0]);
  });

  it('a user with two tabs: the second tab announces nothing and closing one tab changes nothing', async () => {
    const seller = await knownSeller();
    const { watcher } = await watcherOf(seller);
    const tab1 = await world.connect(seller, 'seller');
    await waitOnline(watcher, seller, true);
    const tab2 = await world.connect(seller, 'seller');
    await tab2.waitFor('session');
    keepAlive(tab2);
    await sleep(QUIET_MS);
    expect(transitions(watcher, seller)).toEqual([true]);
    tab1.close();
    await sleep(2 * TTL_MS + QUIET_MS);
    expect(transitions(watcher, seller)).toEqual([true]);
    expect(await watcher.ack('presence:watch', seller)).toEqual({ ok: true, online: true });
  });

  it('presence:unwatch stops the announcements', async () => {
    const seller = await knownSeller();
    const { watcher } = await watcherOf(seller);
    expect(await watcher.ack('presence:unwatch', seller)).toEqual({ ok: true });
    const control = (await watcherOf(seller)).watcher;
    const sellerSocket = await world.connect(seller, 'seller');
    keepAlive(sellerSocket);
    await waitOnline(control, seller, true);
    await sleep(QUIET_MS);
    expect(transitions(watcher, seller)).toEqual([]);
  });
});
