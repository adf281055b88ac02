/* The Redis provider's Docker branch through the real testcontainers library, against a fake
 * Docker engine whose container is a real redis-server (these machines have no Docker engine:
 * see test/helpers/fake-docker-engine.ts for what that does and does not prove). */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BazaarError } from '../../src/errors.ts';
import { provideRedis } from '../../src/lab/redis-provider.ts';
import { startFakeDockerEngine, type FakeDockerEngine } from '../helpers/fake-docker-engine.ts';
import { isAlive } from '../helpers/process.ts';

function redisServerOnPath(): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir !== '' && existsSync(join(dir, 'redis-server'))) return join(dir, 'redis-server');
  }
  throw new Error('these tests need redis-server on PATH (Debian: apt-get install redis-server)');
}

let engine: FakeDockerEngine;
let emptyDir: string;
const ryukBefore = process.env.TESTCONTAINERS_RYUK_DISABLED;
const dockerHostBefore = process.env.DOCKER_HOST;

beforeAll(async () => {
  emptyDir = await mkdtemp(join(tmpdir(), 'bazaar-empty-path-'));
  engine = await startFakeDockerEngine({ redisServer: redisServerOnPath() });
  // Ryuk, testcontainers' reaper, is a container of its own that the fake does not run.
  process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
});

afterAll(async () => {
  if (ryukBefore === undefined) delete process.env.TESTCONTAINERS_RYUK_DISABLED;
  else process.env.TESTCONTAINERS_RYUK_DISABLED = ryukBefore;
  await engine?.close();
  await rm(emptyDir, { recursive: true, force: true });
});

/** No redis url, no redis-server on PATH, and a Docker engine that answers: the fake. */
const onlyDocker = (extra: NodeJS.ProcessEnv = {}) => ({ PATH: emptyDir, DOCKER_HOST: engine.dockerHost, ...extra });

describe('provideRedis: a container through testcontainers', () => {
  it('starts redis:7-alpine without persistence when only a Docker engine answers, and close() stops and removes it', async () => {
    const lines: { obj: object; msg: string }[] = [];
    const redis = await provideRedis({ env: onlyDocker(), logger: { info: (obj, msg) => void lines.push({ obj, msg }) } });
    let client: Redis | undefined;
    try {
      expect(redis.source).toBe('testcontainers');
      expect(engine.containers).toHaveLength(1);
      const container = engine.containers[0]!;
      expect(container).toMatchObject({ image: 'redis:7-alpine', cmd: ['redis-server', '--save', '', '--appendonly', 'no'], running: true });
      // localhost, or the bridge gateway (127.0.0.1 here) when the tests run inside a container
      expect(redis.url).toMatch(new RegExp(`^redis://(localhost|127\\.0\\.0\\.1):${container.hostPort}$`));
      expect(lines).toEqual([{ obj: { source: 'testcontainers', url: redis.url, image: 'redis:7-alpine' }, msg: 'redis: started a container' }]);
      expect(process.env.DOCKER_HOST).toBe(dockerHostBefore);

      client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
      expect(await client.ping()).toBe('PONG');
      await client.quit();
      client = undefined;

      const pid = container.pid as number;
      expect(isAlive(pid)).toBe(true);
      await redis.close();
      expect(engine.requests).toEqual(expect.arrayContaining([`POST /containers/${container.id}/stop`, `DELETE /containers/${container.id}`]));
      expect(container).toMatchObject({ running: false, removed: true });
      expect(isAlive(pid)).toBe(false);
      await redis.close(); // twice is fine
      expect(engine.unknown).toEqual([]);
    } finally {
      client?.disconnect();
      await redis.close();
    }
  });

  it('turns a failed image pull into BAZAAR_REDIS_START_FAILED naming the image, the engine and what to do', async () => {
    engine.failPulls = 'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host';
    const before = engine.containers.length;
    try {
      const error = await provideRedis({ env: onlyDocker({ BAZAAR_REDIS_IMAGE: 'redis:7.4-alpine' }) }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BazaarError);
      const { code, message, hint, cause } = error as BazaarError;
      expect(code).toBe('BAZAAR_REDIS_START_FAILED');
      expect(message).toContain(`starting a redis:7.4-alpine container on the Docker engine at ${engine.dockerHost} failed`);
      expect(message).toMatch(/lookup registry-1\.docker\.io: no such host/);
      expect(hint).toMatch(/--redis <url>.*REDIS_URL.*redis-server.*pull and run redis:7\.4-alpine/);
      expect(cause).toBeInstanceOf(Error);
      expect(engine.containers).toHaveLength(before);
      expect(engine.unknown).toEqual([]);
    } finally {
      engine.failPulls = undefined;
    }
  });
});
