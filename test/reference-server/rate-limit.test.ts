import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeAllClients, sleep, type TestClient } from '../helpers/client.ts';
import { startWorld, type TestWorld } from '../helpers/world.ts';

// Contract §2.2: more than 100 events/s per socket (burst 200) gets rate_limited; a socket that
// keeps it up for 5 s is disconnected.
const BURST = 200;

let world: TestWorld;
beforeAll(async () => {
  world = await startWorld();
});
const timers = new Set<NodeJS.Timeout>();
afterEach(() => {
  for (const timer of timers) clearInterval(timer);
  timers.clear();
  closeAllClients();
});
afterAll(() => world.close());

let n = 0;
const uid = (prefix: string) => `${prefix}${++n}`;

/** One sample (summed over matching label sets) from the server's Prometheus endpoint. */
async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(world.server.metricsUrl!)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = match[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => have.includes(`${k}="${v}"`))) sum += Number(match[3]);
  }
  return sum;
}

type Ack = { ok: boolean; error?: { code: string } };

/** Emits with a plain ack callback (no timeout), so a disconnect leaves no rejected promise. */
function emitCounting(client: TestClient, event: string, tally: { ok: number; limited: number; other: number }) {
  client.socket.emit(event, (ack: Ack) => {
    if (ack.ok) tally.ok += 1;
    else if (ack.error?.code === 'rate_limited') tally.limited += 1;
    else tally.other += 1;
  });
}

const disconnectReason = (client: TestClient, timeoutMs: number) =>
  new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not disconnected within ${timeoutMs} ms`)), timeoutMs);
    client.socket.once('disconnect', (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });

describe('event rate limit (contract §2.2)', () => {
  it('answers a burst beyond 200 events with rate_limited, and the rest ok', async () => {
    const client = await world.connect(uid('b'), 'buyer');
    const acks: Ack[] = await Promise.all(
      Array.from({ length: 2 * BURST }, () => client.ack('presence:heartbeat', undefined, 10_000)),
    );
    const ok = acks.filter((a) => a.ok).length;
    const limited = acks.filter((a) => !a.ok && a.error?.code === 'rate_limited').length;
    expect(ok + limited).toBe(2 * BURST);
    expect(ok).toBeGreaterThanOrEqual(BURST);
    expect(limited).toBeGreaterThan(0);
    for (const refused of acks.filter((a) => !a.ok)) {
      expect(refused).toEqual({ ok: false, error: { code: 'rate_limited', message: expect.any(String) } });
    }
    // Refusing events is not a disconnect.
    expect(client.socket.connected).toBe(true);
  });

  it('limits each socket on its own: another socket of the same user is unaffected', async () => {
    const user = uid('b');
    const noisy = await world.connect(user, 'buyer');
    const calm = await world.connect(user, 'buyer');
    await Promise.all(Array.from({ length: 2 * BURST }, () => noisy.ack('presence:heartbeat', undefined, 10_000)));
    expect(await calm.ack('presence:heartbeat')).toEqual({ ok: true });
  });

  it('drops un-acked events over the limit: they never reach a handler', async () => {
    const client = await world.connect(uid('b'), 'buyer');
    // Incoming events are counted before the limit; handler durations only for handled ones.
    const received = () => metric('socket_io_events_total', { event: 'presence:heartbeat', direction: 'in' });
    const handled = () => metric('socket_io_event_duration_seconds_count', { event: 'presence:heartbeat' });
    const [receivedBefore, handledBefore] = [await received(), await handled()];
    for (let i = 0; i < 2 * BURST; i++) client.socket.emit('presence:heartbeat');
    // An acked event after them: once it is answered, the server has seen them all.
    await client.ack('presence:heartbeat');
    await sleep(100);
    expect(await received()).toBe(receivedBefore + 2 * BURST + 1);
    const handledNow = (await handled()) - handledBefore;
    expect(handledNow).toBeGreaterThanOrEqual(BURST);
    expect(handledNow).toBeLessThan(2 * BURST);
    expect(client.socket.connected).toBe(true);
  });

  it('disconnects a socket that keeps exceeding 100/s for 5 s, but not one that stays at ~50/s', async () => {
    const noisyUser = uid('noisy');
    const noisy = await world.connect(noisyUser, 'buyer');
    const calm = await world.connect(uid('calm'), 'buyer');
    const noisyTally = { ok: 0, limited: 0, other: 0 };
    const calmTally = { ok: 0, limited: 0, other: 0 };
    const noisyGone = disconnectReason(noisy, 8_000);
    noisyGone.catch(() => {}); // awaited below; this only keeps an early failure from also reporting it unhandled

    // Noisy: use up the burst at once, then ~200/s, so it runs into the limit all the time.
    for (let i = 0; i < BURST + 50; i++) emitCounting(noisy, 'presence:heartbeat', noisyTally);
    const noisyTimer = setInterval(() => {
      if (!noisy.socket.connected) return;
      for (let i = 0; i < 20; i++) emitCounting(noisy, 'presence:heartbeat', noisyTally);
    }, 100);
    timers.add(noisyTimer);
    // Calm: ~50/s, well under the limit, for the same time.
    const calmTimer = setInterval(() => {
      for (let i = 0; i < 5; i++) emitCounting(calm, 'presence:heartbeat', calmTally);
    }, 100);
    timers.add(calmTimer);
    const calmSeenGone = new Promise<string>((resolve) => calm.socket.once('disconnect', resolve));

    // Half-way through the 5 s, being refused has not cost the noisy socket its connection.
    await sleep(2_500);
    expect(noisyTally.limited).toBeGreaterThan(0);
    expect(noisy.socket.connected).toBe(true);

    expect(await noisyGone).toBe('io server disconnect');
    clearInterval(noisyTimer);
    expect(noisyTally.limited).toBeGreaterThan(0);
    // The calm socket keeps going a little longer and is never refused nor dropped.
    await sleep(500);
    clearInterval(calmTimer);
    await sleep(200);
    expect(await Promise.race([calmSeenGone, Promise.resolve('still connected')])).toBe('still connected');
    expect(calm.socket.connected).toBe(true);
    expect(calmTally.limited).toBe(0);
    expect(calmTally.other).toBe(0);
    expect(calmTally.ok).toBeGreaterThan(200);
    expect(await calm.ack('presence:heartbeat')).toEqual({ ok: true });
    // Disconnected for its rate, the user can connect again.
    const again = await world.connect(noisyUser, 'buyer');
    expect(await again.ack('presence:heartbeat')).toEqual({ ok: true });
  }, 15_000);
});

// Contract §2: a socket may be in at most 100 rooms it joined; a join beyond answers rate_limited
// and joins nothing; a room it is already in is answered as usual.
describe('rooms per socket', () => {
  it('refuses the 101st room, even when all 110 joins come at once, and keeps answering rooms already joined', async () => {
    const seller = uid('s');
    const listings = await Promise.all(Array.from({ length: 110 }, () => world.listing(seller)));
    const client = await world.connect(uid('b'), 'buyer');
    const acks = await Promise.all(listings.map((l) => client.socket.timeout(5_000).emitWithAck('listing:watch', l.id) as Promise<Ack>));
    expect(acks.filter((a) => a.ok).length).toBe(100);
    expect(acks.filter((a) => !a.ok).map((a) => a.error?.code)).toEqual(Array(10).fill('rate_limited'));
    const firstJoined = listings[acks.findIndex((a) => a.ok)]!.id;
    expect(await client.socket.timeout(5_000).emitWithAck('listing:watch', firstJoined)).toEqual({ ok: true });
    // Leaving one makes room for one more.
    await client.socket.timeout(5_000).emitWithAck('listing:unwatch', firstJoined);
    const refused = listings[acks.findIndex((a) => !a.ok)]!.id;
    expect(await client.socket.timeout(5_000).emitWithAck('listing:watch', refused)).toEqual({ ok: true });
  });
});
