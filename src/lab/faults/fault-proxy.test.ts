import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from './fault-proxy.ts';

// A real TCP echo server behind the proxy; every socket the tests open is closed in teardown.
let echo: Server;
const serverSockets = new Set<Socket>();
const clients = new Set<Socket>();
let proxy: FaultProxy;

beforeAll(async () => {
  echo = createServer((socket) => {
    serverSockets.add(socket);
    socket.on('close', () => serverSockets.delete(socket));
    socket.on('error', () => {});
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', () => resolve()));
});

afterEach(async () => {
  for (const socket of clients) socket.destroy();
  clients.clear();
  await proxy?.close();
});

afterAll(async () => {
  for (const socket of serverSockets) socket.destroy();
  await new Promise((resolve) => echo.close(resolve));
});

async function start(): Promise<FaultProxy> {
  proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: (echo.address() as AddressInfo).port } });
  return proxy;
}

/** A client through the proxy that collects what comes back. */
async function client(): Promise<{ socket: Socket; received: () => string; closed: Promise<unknown> }> {
  const socket = connect(proxy.port, proxy.host);
  clients.add(socket);
  let data = '';
  socket.on('data', (chunk) => (data += chunk.toString()));
  socket.on('error', () => {});
  // events.once would reject on the 'error' (ECONNRESET) that a cut link emits first.
  const closed = new Promise((resolve) => socket.once('close', resolve));
  await once(socket, 'connect');
  return { socket, received: () => data, closed };
}

async function until(what: string, condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('fault proxy', () => {
  it('with no toxic, forwards both ways and passes a close on', async () => {
    await start();
    const c = await client();
    c.socket.write('hello');
    await until('the echo', () => c.received() === 'hello');
    expect(proxy.connections).toBe(1);
    c.socket.end();
    await c.closed;
    await until('the proxy to drop the link', () => proxy.connections === 0);
  });

  it('latency delays every chunk by at least the latency, and jitter keeps the order', async () => {
    await start();
    const remove = proxy.add({ type: 'latency', latencyMs: 100, jitterMs: 40 });
    const c = await client();
    const sentAt = Date.now();
    const words = Array.from({ length: 40 }, (_, i) => `<${i}>`);
    for (const word of words) c.socket.write(word);
    await until('all the words', () => c.received().length === words.join('').length);
    // Through the proxy twice (there and back): at least twice the latency.
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(200);
    expect(c.received()).toBe(words.join(''));
    remove();
  });

  it('bandwidth caps the rate', async () => {
    await start();
    proxy.add({ type: 'bandwidth', bytesPerSec: 4_000 });
    const c = await client();
    const sentAt = Date.now();
    c.socket.write('x'.repeat(1_000));
    await until('the kilobyte', () => c.received().length === 1_000);
    // 1000 bytes at 4000 B/s, each way: at least 0.25 s there (the slices after the first wait their turn).
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(200);
  });

  it('a stall holds everything until lifted, then delivers it in order', async () => {
    await start();
    const c = await client();
    const lift = proxy.add({ type: 'stall' });
    c.socket.write('one,');
    c.socket.write('two');
    await pause(150);
    expect(c.received()).toBe('');
    lift();
    await until('the held chunks', () => c.received() === 'one,two');
  });

  it('half-open drops what is sent and closes nothing; lifting it cuts the connections it held', async () => {
    await start();
    const c = await client();
    const lift = proxy.add({ type: 'half-open' });
    c.socket.write('lost');
    let closed = false;
    void c.closed.then(() => (closed = true));
    await pause(150);
    expect(c.received()).toBe('');
    expect(closed).toBe(false);
    lift();
    await c.closed;
    const fresh = await client();
    fresh.socket.write('after');
    await until('a new connection to work', () => fresh.received() === 'after');
  });

  it('a partition cuts every connection and refuses new ones until lifted', async () => {
    await start();
    const c = await client();
    const lift = proxy.add({ type: 'partition' });
    await c.closed;
    const refused = connect(proxy.port, proxy.host);
    clients.add(refused);
    refused.on('error', () => {});
    let echoed = '';
    refused.on('data', (chunk) => (echoed += chunk.toString()));
    refused.write('anyone?');
    await new Promise((resolve) => refused.once('close', resolve));
    expect(echoed).toBe('');
    lift();
    const fresh = await client();
    fresh.socket.write('back');
    await until('a new connection to work', () => fresh.received() === 'back');
  });

  it('slow consumers: the chosen share gets nothing from the target until released; the others are served', async () => {
    await start();
    const all = await Promise.all(Array.from({ length: 4 }, () => client()));
    await until('4 links', () => proxy.connections === 4);
    const slow = proxy.slowConsumers(0.5);
    expect(slow).toMatchObject({ affected: 2, open: 4 });
    for (const c of all) c.socket.write('ping');
    await until('the fast half', () => all.filter((c) => c.received() === 'ping').length === 2);
    await pause(100);
    expect(all.filter((c) => c.received() === '').length).toBe(2);
    slow.release();
    await until('everyone', () => all.every((c) => c.received() === 'ping'));
  });

  it('close cuts every connection and stops listening', async () => {
    await start();
    const c = await client();
    const port = proxy.port;
    await proxy.close();
    await c.closed;
    const probe = connect(port, '127.0.0.1');
    const [error] = (await once(probe, 'error')) as [NodeJS.ErrnoException];
    expect(error.code).toBe('ECONNREFUSED');
  });
});
