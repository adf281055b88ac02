import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BazaarError } from '../errors.ts';
import { provideRedis } from './redis-provider.ts';
import { isAlive } from '../../test/helpers/process.ts';

function recordingLogger() {
  const lines: { obj: object; msg: string }[] = [];
  return { lines, info: (obj: object, msg: string) => void lines.push({ obj, msg }) };
}

// A PATH with nothing on it, and a DOCKER_HOST that cannot answer: the "nothing available" world.
let emptyDir: string;
let fakeDockerDir: string;
const dockerHostBefore = process.env.DOCKER_HOST;
const NO_DOCKER_HOST = 'unix:///nonexistent/bazaar-test/docker.sock';

beforeAll(async () => {
  emptyDir = await mkdtemp(join(tmpdir(), 'bazaar-empty-path-'));
  fakeDockerDir = await mkdtemp(join(tmpdir(), 'bazaar-fake-docker-'));
  const docker = join(fakeDockerDir, 'docker');
  await writeFile(docker, '#!/bin/sh\necho 27.0.0\nexit 0\n');
  await chmod(docker, 0o755);
});

afterAll(async () => {
  await rm(emptyDir, { recursive: true, force: true });
  await rm(fakeDockerDir, { recursive: true, force: true });
});

describe('provideRedis: an explicit url', () => {
  it('uses options.url and closes to nothing', async () => {
    const logger = recordingLogger();
    const redis = await provideRedis({ url: 'redis://10.0.0.9:6400', env: {}, logger });
    expect(redis).toMatchObject({ url: 'redis://10.0.0.9:6400', source: 'explicit' });
    await redis.close();
    expect(logger.lines).toEqual([{ obj: { source: 'explicit', url: 'redis://10.0.0.9:6400' }, msg: expect.stringMatching(/given url/) }]);
  });

  it('uses REDIS_URL when no url is passed, and options.url over REDIS_URL', async () => {
    expect(await provideRedis({ env: { REDIS_URL: 'redis://a:1' } })).toMatchObject({ url: 'redis://a:1', source: 'explicit' });
    expect(await provideRedis({ url: 'redis://b:2', env: { REDIS_URL: 'redis://a:1' } })).toMatchObject({ url: 'redis://b:2' });
  });

  it('ignores an empty REDIS_URL', async () => {
    await expect(provideRedis({ env: { REDIS_URL: ' ', PATH: emptyDir, DOCKER_HOST: NO_DOCKER_HOST } }))
      .rejects.toMatchObject({ code: 'BAZAAR_REDIS_UNAVAILABLE' });
  });

  it.each([
    ['not a url', /is not a url/],
    ['http://localhost:6379', /scheme http: instead of redis:/],
  ])('rejects %s', async (url, message) => {
    const error = await provideRedis({ url, env: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BazaarError);
    expect(error).toMatchObject({ code: 'BAZAAR_BAD_REDIS_URL', message: expect.stringMatching(message) });
  });

  it('does not log a password', async () => {
    const logger = recordingLogger();
    await provideRedis({ url: 'redis://user:s3cret@h:1', env: {}, logger });
    expect(JSON.stringify(logger.lines)).not.toContain('s3cret');
  });
});

describe('provideRedis: a throwaway redis-server', () => {
  it('starts one on a free loopback port that answers PING, and close() stops it and removes its dir', async () => {
    const logger = recordingLogger();
    const redis = await provideRedis({ env: { PATH: process.env.PATH }, logger });
    let client: Redis | undefined;
    try {
      expect(redis.source).toBe('redis-server');
      expect(redis.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
      expect(logger.lines[0]?.obj).toMatchObject({ source: 'redis-server', url: redis.url });
      client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
      expect(await client.ping()).toBe('PONG');
      // no persistence
      expect(await client.config('GET', 'save')).toEqual(['save', '']);
      expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
      const [, dir] = (await client.config('GET', 'dir')) as [string, string];
      expect((await stat(dir)).isDirectory()).toBe(true);
      await client.quit();
      client = undefined;

      const pid = redis.pid as number;
      expect(isAlive(pid)).toBe(true);
      await redis.close();
      expect(isAlive(pid)).toBe(false);
      await expect(stat(dir)).rejects.toMatchObject({ code: 'ENOENT' });
      await redis.close(); // twice is fine
    } finally {
      client?.disconnect();
      await redis.close();
    }
  });

  it('starts separate servers for separate callers', async () => {
    const [a, b] = await Promise.all([provideRedis({ env: { PATH: process.env.PATH } }), provideRedis({ env: { PATH: process.env.PATH } })]);
    try {
      expect(a.url).not.toBe(b.url);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
    expect(isAlive(a.pid as number) || isAlive(b.pid as number)).toBe(false);
  });
});

describe('provideRedis: nothing to use', () => {
  it('says which of the three to provide', async () => {
    const error = await provideRedis({ env: { PATH: emptyDir, DOCKER_HOST: NO_DOCKER_HOST } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BazaarError);
    const { code, message, hint } = error as BazaarError;
    expect(code).toBe('BAZAAR_REDIS_UNAVAILABLE');
    expect(message).toMatch(/redis-server is not on PATH/);
    expect(hint).toMatch(/--redis <url>.*REDIS_URL/);
    expect(hint).toMatch(/redis-server/);
    expect(hint).toMatch(/Docker engine/);
  });

  it('says so when a docker CLI answers but testcontainers finds no engine to start a container on', async () => {
    // The fake CLI makes `docker info` succeed; no socket is behind it, so testcontainers cannot
    // reach an engine. (A real start, against a fake engine, is in test/lab/.)
    const error = await provideRedis({ env: { PATH: fakeDockerDir, DOCKER_HOST: NO_DOCKER_HOST } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BazaarError);
    const { code, message, hint } = error as BazaarError;
    expect(code).toBe('BAZAAR_REDIS_START_FAILED');
    expect(message).toMatch(/starting a redis:7-alpine container on the Docker engine at unix:\/\/\/nonexistent\/bazaar-test\/docker.sock failed: .*container runtime/);
    expect(hint).toMatch(/--redis <url>.*REDIS_URL.*redis-server.*BAZAAR_REDIS_IMAGE/);
    expect(process.env.DOCKER_HOST).toBe(dockerHostBefore);
  });
});
