import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeAllClients, sleep } from '../helpers/client.ts';
import { startWorld, type TestWorld } from '../helpers/world.ts';

let world: TestWorld;
beforeAll(async () => {
  world = await startWorld();
});
afterEach(() => closeAllClients());
afterAll(() => world.close());

let n = 0;
const uid = (prefix: string) => `${prefix}${++n}`;

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text exposition format (enough of it for these tests). */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) throw new Error(`unparsable metrics line: ${line}`);
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[label[1]!] = label[2]!;
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

async function scrape(): Promise<{ text: string; samples: Sample[] }> {
  const res = await fetch(world.server.metricsUrl!);
  expect(res.status).toBe(200);
  const text = await res.text();
  return { text, samples: parseMetrics(text) };
}

/** Sum of the samples of `name` whose labels include `labels` (0 when there are none yet). */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
  return valueOf((await scrape()).samples, name, labels);
}

/** Scrapes until `check` holds (disconnects are processed asynchronously) or the time is up. */
async function eventually(name: string, labels: Record<string, string>, check: (value: number) => boolean, timeoutMs = 3_000) {
  const deadline = Date.now() + timeoutMs;
  let value = await metric(name, labels);
  while (!check(value) && Date.now() < deadline) {
    await sleep(50);
    value = await metric(name, labels);
  }
  return value;
}

describe('Prometheus metrics (contract §7)', () => {
  it('are served on loopback, apart from the public port, which has no /metrics', async () => {
    const metricsUrl = new URL(world.server.metricsUrl!);
    const publicUrl = new URL(world.url);
    expect(metricsUrl.hostname).toBe('127.0.0.1');
    expect(metricsUrl.port).not.toBe(publicUrl.port);
    expect(metricsUrl.pathname).toBe('/metrics');
    const res = await fetch(metricsUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    await res.text();
    const onPublic = await fetch(`${world.url}/metrics`);
    expect(onPublic.status).toBe(404);
    await onPublic.text();
  });

  it('socket_io_connected follows connects and disconnects', async () => {
    expect(await eventually('socket_io_connected', {}, (v) => v === 0)).toBe(0);
    const a = await world.connect(uid('b'), 'buyer');
    const b = await world.connect(uid('s'), 'seller');
    expect(await eventually('socket_io_connected', {}, (v) => v === 2)).toBe(2);
    a.close();
    expect(await eventually('socket_io_connected', {}, (v) => v === 1)).toBe(1);
    b.close();
    expect(await eventually('socket_io_connected', {}, (v) => v === 0)).toBe(0);
  });

  it('counts incoming events by name with direction="in"', async () => {
    const listing = await world.listing(uid('s'));
    const client = await world.connect(uid('b'), 'buyer');
    const labels = { event: 'listing:watch', direction: 'in' };
    const before = await metric('socket_io_events_total', labels);
    for (let i = 0; i < 3; i++) expect(await client.ack('listing:watch', listing.id)).toEqual({ ok: true });
    expect(await metric('socket_io_events_total', labels)).toBe(before + 3);
  });

  it('counts an unknown event name as event="other", never under its raw name', async () => {
    const client = await world.connect(uid('b'), 'buyer');
    const labels = { event: 'other', direction: 'in' };
    const before = await metric('socket_io_events_total', labels);
    const rawNames = ['made-up-event-x91', 'evil"label\\name', 'x'.repeat(300)];
    for (const name of rawNames) client.socket.emit(name, { anything: true });
    // An acked event after them: the server has seen them once it answers.
    expect(await client.ack('presence:heartbeat')).toEqual({ ok: true });
    expect(await eventually('socket_io_events_total', labels, (v) => v >= before + rawNames.length)).toBe(before + rawNames.length);
    const { text, samples } = await scrape();
    expect(text).not.toContain('made-up-event-x91');
    expect(text).not.toContain('x'.repeat(300));
    const eventLabels = new Set(samples.filter((s) => s.name === 'socket_io_events_total').map((s) => s.labels.event));
    for (const label of eventLabels) expect(label === 'other' || /^[a-z]+(:[a-zA-Z]+)?$/.test(label!)).toBe(true);
    expect(client.socket.connected).toBe(true);
  });

  it('counts server events with direction="out", such as message:new', async () => {
    const seller = uid('s');
    const buyer = uid('b');
    const booking = await world.booking(buyer, (await world.listing(seller)).id);
    const labels = { event: 'message:new', direction: 'out' };
    const before = await metric('socket_io_events_total', labels);
    const sessionsBefore = await metric('socket_io_events_total', { event: 'session', direction: 'out' });
    const sender = await world.connect(buyer, 'buyer');
    const receiver = await world.connect(seller, 'seller');
    expect(await receiver.ack('booking:join', booking.id)).toEqual({ ok: true });
    expect(await sender.ack('message:send', { bookingId: booking.id, body: 'hi', clientMsgId: 'c1' })).toMatchObject({ ok: true });
    await receiver.waitFor('message:new');
    expect(await metric('socket_io_events_total', labels)).toBeGreaterThan(before);
    expect(await metric('socket_io_events_total', { event: 'session', direction: 'out' })).toBeGreaterThanOrEqual(sessionsBefore + 2);
    expect(await metric('socket_io_events_total', { event: 'message:send', direction: 'in' })).toBeGreaterThanOrEqual(1);
  });

  it('records handler durations in socket_io_event_duration_seconds', async () => {
    const listing = await world.listing(uid('s'));
    const client = await world.connect(uid('b'), 'buyer');
    const before = await metric('socket_io_event_duration_seconds_count', { event: 'listing:watch' });
    for (let i = 0; i < 2; i++) expect(await client.ack('listing:watch', listing.id)).toEqual({ ok: true });
    const { samples } = await scrape();
    expect(valueOf(samples, 'socket_io_event_duration_seconds_count', { event: 'listing:watch' })).toBe(before + 2);
    expect(valueOf(samples, 'socket_io_event_duration_seconds_sum', { event: 'listing:watch' })).toBeGreaterThanOrEqual(0);
    const buckets = samples.filter((s) => s.name === 'socket_io_event_duration_seconds_bucket' && s.labels.event === 'listing:watch');
    expect(buckets.length).toBeGreaterThan(1);
    const inf = buckets.find((s) => s.labels.le === '+Inf');
    expect(inf?.value).toBe(before + 2);
    // Buckets are cumulative.
    const values = buckets.map((s) => s.value);
    expect(values).toEqual([...values].sort((x, y) => x - y));
  });

  it('counts disconnects by reason', async () => {
    const byClient = { reason: 'client namespace disconnect' };
    const before = await metric('socket_io_disconnects_total', byClient);
    const totalBefore = await metric('socket_io_disconnects_total');
    const a = await world.connect(uid('b'), 'buyer');
    const b = await world.connect(uid('b'), 'buyer');
    a.close();
    b.close();
    expect(await eventually('socket_io_disconnects_total', byClient, (v) => v >= before + 2)).toBe(before + 2);
    expect(await metric('socket_io_disconnects_total')).toBe(totalBefore + 2);
  });

  it('counts a server-side disconnect (token expiry) under its own reason', async () => {
    const totalBefore = await metric('socket_io_disconnects_total');
    const byClientBefore = await metric('socket_io_disconnects_total', { reason: 'client namespace disconnect' });
    const token = world.token(uid('exp'), 'buyer', 1_200);
    const client = await world.connect('ignored', 'buyer', { auth: { token } });
    const reason = await new Promise<string>((resolve) => client.socket.once('disconnect', resolve));
    expect(reason).toBe('io server disconnect');
    expect(await eventually('socket_io_disconnects_total', {}, (v) => v >= totalBefore + 1)).toBe(totalBefore + 1);
    expect(await metric('socket_io_disconnects_total', { reason: 'client namespace disconnect' })).toBe(byClientBefore);
    expect(await metric('socket_io_disconnects_total', { reason: 'server namespace disconnect' })).toBeGreaterThanOrEqual(1);
  });

  it("counts refused Engine.IO requests by code: a poll with a session id this node never issued is 1 'Session ID unknown'", async () => {
    const labels = { code: '1', message: 'Session ID unknown' };
    const before = await metric('socket_io_connection_errors_total', labels);
    const res = await fetch(`${world.server.url}/socket.io/?EIO=4&transport=polling&sid=not-a-session-of-this-node`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Session ID unknown');
    expect(await metric('socket_io_connection_errors_total', labels)).toBe(before + 1);
  });

  it('includes process and event-loop metrics', async () => {
    const { samples } = await scrape();
    const names = new Set(samples.map((s) => s.name));
    for (const name of ['nodejs_eventloop_lag_p99_seconds', 'process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes']) {
      expect(names.has(name), name).toBe(true);
    }
    expect(valueOf(samples, 'nodejs_eventloop_lag_p99_seconds')).toBeGreaterThanOrEqual(0);
  });
});
