import type { Server } from 'socket.io';
import { afterEach, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../../src/lab/faults/index.ts';
import { closeAllClients, connectClient, sleep } from '../helpers/client.ts';
import { startWorld, type TestWorld } from '../helpers/world.ts';

/** A Prometheus sample's value (summed over label sets matching `labels`). */
async function metric(world: TestWorld, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(world.server.metricsUrl!)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    if (Object.entries(labels).every(([k, v]) => (match[2] ?? '').includes(`${k}="${v}"`))) sum += Number(match[3]);
  }
  return sum;
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(100);
  }
  return check();
}

const opened: { close(): Promise<void> }[] = [];
const timers: NodeJS.Timeout[] = [];
afterEach(async () => {
  for (const timer of timers.splice(0)) clearInterval(timer);
  closeAllClients();
  for (const thing of opened.splice(0).reverse()) await thing.close();
});

/**
 * A server whose every socket gets 64 KB every 20 ms (about 3 MB/s), one client behind the fault
 * proxy, and that client stopping reading: what the server does with what it cannot send.
 */
async function slowClient(options: { slowConsumerMaxBufferedBytes?: number; slowConsumerGraceMs?: number }) {
  let io: Server | undefined;
  const world = await startWorld({ ...options, attach: (server) => { io = server; } });
  opened.push(world);
  const entry = new URL(world.url);
  const proxy: FaultProxy = await startFaultProxy({ target: { host: entry.hostname, port: Number(entry.port) } });
  opened.push(proxy);
  const client = await connectClient(`http://${proxy.host}:${proxy.port}`, { transports: ['polling', 'websocket'], auth: { token: world.token('b1', 'buyer') } }); await sleep(500); console.log('links', proxy.connections, client.socket.io.engine.transport.name);
  const slow = proxy.slowConsumers(1);
  expect(slow.affected).toBe(1);
  const chunk = 'x'.repeat(64 * 1024);
  timers.push(setInterval(() => io!.emit('bulk', chunk), 20));
  return { world, client };
}

describe('slow consumers (reference server)', () => {
  it('off (the default): what a client does not read piles up in the server, and the client stays connected', async () => {
    const { world } = await slowClient({});
    const grew = await until(async () => (await metric(world, 'socket_io_buffered_bytes')) > 2 * 1024 * 1024, 15_000);
    expect(grew).toBe(true);
    expect(await metric(world, 'socket_io_connected')).toBe(1);
    expect(await metric(world, 'socket_io_disconnects_total', { reason: 'slow consumer' })).toBe(0);
  });

  it('on: the slow socket is disconnected, counted as reason "slow consumer", and its buffer released', async () => {
    const { world } = await slowClient({ slowConsumerMaxBufferedBytes: 256 * 1024, slowConsumerGraceMs: 300 });
    const dropped = await until(async () => (await metric(world, 'socket_io_disconnects_total', { reason: 'slow consumer' })) === 1, 15_000);
    expect(dropped).toBe(true);
    expect(await metric(world, 'socket_io_connected')).toBe(0);
    expect(await metric(world, 'socket_io_buffered_bytes')).toBe(0);
  });
});
