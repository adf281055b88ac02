import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLabRedis, type LabRedis } from './lab-redis.ts';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

// A real redis-server from PATH, started for these tests and stopped after them.
let redis: LabRedis;
const clients: Redis[] = [];
const client = () => {
  const c = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 50 });
  c.on('error', () => {}); // refused while the server restarts: it retries
  clients.push(c);
  return c;
};

beforeAll(async () => {
  redis = await startLabRedis();
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await redis?.close();
});

describe('the lab redis-server', () => {
  it('restart: down, then back on the same port with its data, as another process', async () => {
    const c = client();
    await c.connect();
    await c.set('bazaar-lab-test:key', 'kept');
    const before = redis.pid;
    await redis.restart(100);
    expect(redis.pid).not.toBe(before);
    expect(alive(before)).toBe(false);
    expect(await c.get('bazaar-lab-test:key')).toBe('kept');
  });

  it('kill subscribers: cuts every pub/sub connection and says how many', async () => {
    const subscriber = client();
    await subscriber.connect();
    await subscriber.subscribe('bazaar-lab-test:channel');
    expect(await redis.killSubscribers()).toBeGreaterThanOrEqual(1);
  });

  it('freeze holds every answer until thawed', async () => {
    const c = client();
    await c.connect();
    redis.freeze();
    let answered = false;
    const ping = c.ping().then(() => (answered = true));
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(answered).toBe(false);
    redis.thaw();
    await ping;
    expect(answered).toBe(true);
  });

  it('close stops it, also when frozen', async () => {
    const own = await startLabRedis();
    own.freeze();
    const pid = own.pid;
    await own.close();
    expect(alive(pid)).toBe(false);
  });
});
