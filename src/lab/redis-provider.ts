import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { constants as fsConstants } from 'node:fs';
import { access, mkdtemp, rm, stat } from 'node:fs/promises';
import { request } from 'node:http';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { StartedTestContainer } from 'testcontainers';
import { BazaarError } from '../errors.ts';

export type RedisSource = 'explicit' | 'redis-server' | 'testcontainers';

export interface RedisProviderOptions {
  /** Use this Redis; wins over `REDIS_URL`. */
  url?: string;
  /**
   * Where to read `REDIS_URL`, `PATH`, `BAZAAR_REDIS_IMAGE` and the Docker connection
   * (`DOCKER_HOST`, `DOCKER_TLS_VERIFY`, `DOCKER_CERT_PATH`) (default: process.env).
   */
  env?: NodeJS.ProcessEnv;
  logger?: { info(obj: object, msg: string): void };
}

export interface ProvidedRedis {
  url: string;
  source: RedisSource;
  /** The redis-server process when this provider started one. */
  pid?: number;
  /** Stops what the provider started (nothing for an explicit URL). Safe to call twice. */
  close(): Promise<void>;
}

const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
const PING_INTERVAL_MS = 50;
const PING_TIMEOUT_MS = 1_000;
const DOCKER_PROBE_TIMEOUT_MS = 3_000;
const PORT_ATTEMPTS = 3;
/** How long a started container may take to log that it is ready (the pull has no limit). */
const CONTAINER_START_TIMEOUT_MS = 30_000;
const DEFAULT_IMAGE = 'redis:7-alpine';
const REDIS_PORT = 6379;
const DOCKER_CONNECTION = ['DOCKER_HOST', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH'] as const;
const REDIS_HINT = 'pass --redis <url> (or set REDIS_URL) to use a running Redis, or install Redis 7 so that redis-server is on PATH (Debian: apt-get install redis-server)';

/**
 * The Redis that `serve`, the tests and the lab use (issue 3): an explicit URL if given; else a
 * throwaway `redis-server` from PATH on a free loopback port with no persistence; else a
 * throwaway container (testcontainers, `BAZAAR_REDIS_IMAGE` or redis:7-alpine, no persistence)
 * when a Docker engine answers; else an error naming the three ways to get one.
 */
export async function provideRedis(options: RedisProviderOptions = {}): Promise<ProvidedRedis> {
  const env = options.env ?? process.env;
  const log = options.logger ?? { info() {} };

  const explicit = options.url ?? nonEmpty(env.REDIS_URL);
  if (explicit !== undefined) {
    const url = checkRedisUrl(explicit, options.url !== undefined ? 'the redis url' : 'REDIS_URL');
    log.info({ source: 'explicit', url: redactUrl(url) }, 'redis: using the given url');
    return { url, source: 'explicit', async close() {} };
  }

  const binary = await findOnPath('redis-server', env);
  if (binary !== undefined) {
    const started = await startRedisServer(binary);
    log.info({ source: 'redis-server', url: started.url, pid: started.pid, binary }, 'redis: started a throwaway redis-server');
    return started;
  }

  if (await dockerAnswers(env)) {
    const { redis, image } = await startContainer(env);
    log.info({ source: 'testcontainers', url: redis.url, image }, 'redis: started a container');
    return redis;
  }

  throw new BazaarError('BAZAAR_REDIS_UNAVAILABLE',
    'no Redis to use: no redis url was given, redis-server is not on PATH, and no Docker engine answers',
    'pass --redis <url> (or set REDIS_URL), or install Redis 7 so that redis-server is on PATH (Debian: apt-get install redis-server), or start a Docker engine');
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

export function checkRedisUrl(raw: string, what: string): string {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new BazaarError('BAZAAR_BAD_REDIS_URL', `${what} "${raw}" is not a url`, 'use the form redis://host:6379 (or rediss:// for TLS)');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new BazaarError('BAZAAR_BAD_REDIS_URL', `${what} "${redactUrl(raw)}" has the scheme ${parsed.protocol} instead of redis: or rediss:`,
      'use the form redis://host:6379 (or rediss:// for TLS)');
  }
  return raw;
}

/** Logs never carry a Redis password. */
export function redactUrl(raw: string): string {
  try {
    const parsed = new URL(raw);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparsable url>';
  }
}

export async function findOnPath(name: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, fsConstants.X_OK);
      if ((await stat(candidate)).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

async function startRedisServer(binary: string): Promise<ProvidedRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'bazaar-redis-'));
  let lastError: unknown;
  try {
    // The free port is found by binding port 0 and releasing it, so another process can take
    // it in between: retry on a new port when redis-server says the address is in use.
    // (`redis-server --port 0` would disable TCP instead of picking a port.)
    for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
      const port = await freePort();
      try {
        return await launch(binary, port, dir);
      } catch (error) {
        lastError = error;
        if (!(error instanceof AddressInUse)) break;
      }
    }
  } catch (error) {
    lastError = error;
  }
  await rm(dir, { recursive: true, force: true });
  if (lastError instanceof BazaarError) throw lastError;
  throw new BazaarError('BAZAAR_REDIS_START_FAILED', `could not start ${binary}: ${errorText(lastError)}`,
    'pass --redis <url> (or set REDIS_URL) to use a running Redis instead', { cause: lastError });
}

class AddressInUse extends Error {}

/** Start redis-server on this loopback port, without persistence, and wait for its PONG (the lab's faults restart it on the same port). */
export async function launch(binary: string, port: number, dir: string): Promise<ProvidedRedis> {
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    // No persistence: nothing to clean but the empty dir, and no fork for BGSAVE mid-test.
    '--save', '',
    '--appendonly', 'no',
    '--dir', dir,
    '--daemonize', 'no',
    '--logfile', '',
    '--loglevel', 'warning',
  ];
  const child = spawn(binary, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', reject);
  });
  await spawned;

  // A crashed test runner should not leave a redis-server behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const url = `redis://127.0.0.1:${port}`;
  try {
    await waitForPing(child, port, () => output);
  } catch (error) {
    process.removeListener('exit', killOnExit);
    await stop(child);
    throw error;
  }
  child.stdout?.resume();
  child.stderr?.resume();

  let closing: Promise<void> | undefined;
  return {
    url,
    source: 'redis-server',
    pid: child.pid as number,
    close() {
      closing ??= (async () => {
        process.removeListener('exit', killOnExit);
        await stop(child);
        await rm(dir, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}

/**
 * A throwaway Redis container through testcontainers, imported only here so the other branches
 * do not load it. testcontainers reads its Docker connection from process.env, and only once
 * per process (it keeps the engine it found): a caller's `env` is laid over process.env for the
 * start, and a later start in the same process reuses the first one's engine. Ryuk, its reaper
 * of containers left behind by a crashed process, follows TESTCONTAINERS_RYUK_DISABLED in
 * process.env.
 */
async function startContainer(env: NodeJS.ProcessEnv): Promise<{ redis: ProvidedRedis; image: string }> {
  const image = nonEmpty(env.BAZAAR_REDIS_IMAGE) ?? DEFAULT_IMAGE;
  const dockerHost = nonEmpty(env.DOCKER_HOST);
  const engine = dockerHost === undefined ? 'the local Docker engine' : `the Docker engine at ${dockerHost}`;
  const failed = (what: string, cause: unknown) => new BazaarError('BAZAAR_REDIS_START_FAILED',
    `no redis url and no redis-server on PATH, and ${what}: ${errorText(cause)}`,
    `${REDIS_HINT}, or let ${engine} pull and run ${image} (BAZAAR_REDIS_IMAGE names another image)`, { cause });

  let testcontainers: typeof import('testcontainers');
  try {
    testcontainers = await import('testcontainers');
  } catch (error) {
    throw failed('testcontainers could not be loaded', error);
  }
  const { GenericContainer, Wait } = testcontainers;

  let container: StartedTestContainer;
  try {
    container = await withDockerEnv(env, () => new GenericContainer(image)
      .withExposedPorts(REDIS_PORT)
      // No persistence, as for redis-server: nothing to keep, no fork for BGSAVE mid-test.
      .withCommand(['redis-server', '--save', '', '--appendonly', 'no'])
      // A log line rather than a health check: needs no `exec` into the container.
      .withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/))
      .withStartupTimeout(CONTAINER_START_TIMEOUT_MS)
      .start());
  } catch (error) {
    throw failed(`starting a ${image} container on ${engine} failed`, error);
  }

  const host = container.getHost();
  const url = `redis://${host.includes(':') ? `[${host}]` : host}:${container.getMappedPort(REDIS_PORT)}`;
  let closing: Promise<void> | undefined;
  const redis: ProvidedRedis = {
    url,
    source: 'testcontainers',
    close() {
      // stop() also removes the container.
      closing ??= container.stop().then(() => undefined);
      return closing;
    },
  };
  return { redis, image };
}

/** Runs `start` with process.env's Docker connection taken from `env`, then puts it back. */
async function withDockerEnv<T>(env: NodeJS.ProcessEnv, start: () => Promise<T>): Promise<T> {
  if (env === process.env) return start();
  const saved = DOCKER_CONNECTION.map((key) => [key, process.env[key]] as const);
  const set = (key: string, value: string | undefined) => {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  };
  for (const key of DOCKER_CONNECTION) set(key, env[key]);
  try {
    return await start();
  } finally {
    for (const [key, value] of saved) set(key, value);
  }
}

async function waitForPing(child: ChildProcess, port: number, output: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  for (;;) {
    if (exited || child.exitCode !== null) {
      const text = output().trim();
      if (/address already in use/i.test(text)) throw new AddressInUse(text);
      throw new BazaarError('BAZAAR_REDIS_START_FAILED', `redis-server exited with ${child.exitCode ?? child.signalCode} before answering PING: ${text}`,
        'pass --redis <url> (or set REDIS_URL) to use a running Redis instead');
    }
    if (await pingOnce(port)) return;
    if (Date.now() > deadline) {
      throw new BazaarError('BAZAAR_REDIS_START_FAILED', `redis-server did not answer PING on port ${port} within ${START_TIMEOUT_MS} ms: ${output().trim()}`,
        'pass --redis <url> (or set REDIS_URL) to use a running Redis instead');
    }
    await new Promise((resolve) => setTimeout(resolve, PING_INTERVAL_MS));
  }
}

/** One raw RESP PING: no client library, no reconnect loop to tear down. */
function pingOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(PING_TIMEOUT_MS, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Whether a Docker engine answers: the engine's own `/_ping` on its unix socket (what
 * testcontainers itself talks to), else `docker info` when the CLI is on PATH (covers remote
 * DOCKER_HOSTs and contexts). A docker CLI without an engine behind it does not count.
 */
async function dockerAnswers(env: NodeJS.ProcessEnv): Promise<boolean> {
  const host = nonEmpty(env.DOCKER_HOST);
  const socketPath = host === undefined ? '/var/run/docker.sock' : host.startsWith('unix://') ? host.slice('unix://'.length) : undefined;
  if (socketPath !== undefined && (await pingDockerSocket(socketPath))) return true;
  const docker = await findOnPath('docker', env);
  if (docker === undefined) return false;
  return new Promise((resolve) => {
    execFile(docker, ['info', '--format', '{{.ServerVersion}}'], { env, timeout: DOCKER_PROBE_TIMEOUT_MS }, (error) => resolve(error === null));
  });
}

async function pingDockerSocket(socketPath: string): Promise<boolean> {
  try {
    await access(socketPath);
  } catch {
    return false;
  }
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', timeout: DOCKER_PROBE_TIMEOUT_MS }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(false));
    req.end();
  });
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
