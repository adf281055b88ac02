/*
 * A fake Docker Engine API on a unix socket, whose one kind of "container" is a real redis-server.
 *
 * Why it exists: the machines this project is developed and tested on have a docker CLI but no
 * Docker engine, and no internet to pull an image from, so the Redis provider's testcontainers
 * branch could not run here at all. This fake answers the few endpoints testcontainers 12 calls
 * to pull, create, start, inspect, follow the logs of, stop and remove a container, and runs
 * redis-server from PATH on a free loopback port as that container's port 6379. Anything else
 * is answered 404 and recorded in `unknown`, so a testcontainers upgrade that calls something
 * new shows up as a failing test rather than as a silent pass.
 *
 * What it proves: our glue (the dynamic import, the container definition, the url we build,
 * closing, turning failures into BazaarErrors) works with the real library. What it does not
 * prove: that a real engine works. Its answers are modelled on Docker's API, not recorded from it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FakeContainer {
  id: string;
  image: string;
  /** The `Cmd` testcontainers asked for. */
  cmd: string[];
  /** The loopback port standing in for the container's 6379, once started. */
  hostPort?: number;
  /** The redis-server standing in for the container, once started. */
  pid?: number;
  running: boolean;
  removed: boolean;
}

export interface FakeDockerEngine {
  /** `unix:///…/docker.sock`, for DOCKER_HOST. */
  dockerHost: string;
  /** Every request, as `METHOD /path` (no query, no API version prefix). */
  requests: string[];
  /** The requests the fake does not implement (each answered 404). */
  unknown: string[];
  containers: FakeContainer[];
  /** When set, pulling an image fails with this message, as an engine with no registry access does. */
  failPulls: string | undefined;
  close(): Promise<void>;
}

interface Running {
  container: FakeContainer;
  child?: ChildProcess;
  /** The container's output so far, already framed in Docker's multiplexed log format. */
  frames: Buffer[];
  followers: Set<(frame: Buffer | null) => void>;
  dir: string;
}

const STDOUT = 1;
const STDERR = 2;
const API_VERSION = '1.47';

export async function startFakeDockerEngine(options: { redisServer: string }): Promise<FakeDockerEngine> {
  const dir = await mkdtemp(join(tmpdir(), 'bazaar-fake-docker-engine-'));
  const socketPath = join(dir, 'docker.sock');
  const images = new Set<string>();
  const byId = new Map<string, Running>();
  const killAll = () => {
    for (const { child } of byId.values()) child?.kill('SIGKILL');
  };
  process.once('exit', killAll);

  const engine: FakeDockerEngine = {
    dockerHost: `unix://${socketPath}`,
    requests: [],
    unknown: [],
    containers: [],
    failPulls: undefined,
    async close() {
      process.removeListener('exit', killAll);
      await Promise.all([...byId.values()].map((entry) => kill(entry, 'SIGKILL')));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...byId.values()].map((entry) => rm(entry.dir, { recursive: true, force: true })));
      await rm(dir, { recursive: true, force: true });
    },
  };

  const routes: [method: string, path: RegExp, handler: (req: IncomingMessage, res: ServerResponse, match: string[], query: URLSearchParams) => Promise<void> | void][] = [
    ['GET', /^\/_ping$/, (_req, res) => text(res, 200, 'OK')],
    ['HEAD', /^\/_ping$/, (_req, res) => text(res, 200, '')],
    ['GET', /^\/version$/, (_req, res) => json(res, 200, { Version: '27.0.0-fake', ApiVersion: API_VERSION, Os: 'linux', Arch: 'amd64' })],
    ['GET', /^\/info$/, (_req, res) => json(res, 200, {
      ServerVersion: '27.0.0-fake', OperatingSystem: 'bazaar fake Docker engine', OSType: 'linux', Architecture: 'x86_64',
      NCPU: 2, MemTotal: 2 ** 31, IndexServerAddress: 'https://index.docker.io/v1/', Labels: [], Runtimes: { runc: {} },
    })],
    // Run inside a container (/.dockerenv), testcontainers reaches published ports through the
    // bridge network's gateway; this fake publishes on loopback, so that is its gateway.
    ['GET', /^\/networks\/bridge$/, (_req, res) => json(res, 200, {
      Name: 'bridge', Id: 'fake-bridge', Driver: 'bridge', IPAM: { Config: [{ Subnet: '127.0.0.0/8', Gateway: '127.0.0.1' }] },
    })],
    ['GET', /^\/containers\/json$/, (_req, res) => json(res, 200, engine.containers.filter((c) => !c.removed).map((c) => ({
      Id: c.id, Names: [`/${c.id.slice(0, 12)}`], Image: c.image, Labels: {}, State: c.running ? 'running' : 'exited', Created: 0, Ports: [],
    })))],
    ['GET', /^\/images\/(.+)\/json$/, (_req, res, [, name]) => {
      if (images.has(name as string)) return json(res, 200, { Id: `sha256:${'0'.repeat(64)}`, RepoTags: [name] });
      return json(res, 404, { message: `No such image: ${name}` });
    }],
    ['POST', /^\/images\/create$/, (_req, res, _match, query) => {
      const name = `${query.get('fromImage')}:${query.get('tag') ?? 'latest'}`;
      if (engine.failPulls !== undefined) return json(res, 500, { message: engine.failPulls });
      images.add(name);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(`${JSON.stringify({ status: `Pulling from ${query.get('fromImage')}`, id: query.get('tag') })}\n`);
      res.end(`${JSON.stringify({ status: `Status: Downloaded newer image for ${name}` })}\n`);
    }],
    ['POST', /^\/containers\/create$/, async (req, res) => {
      const body = JSON.parse(await readBody(req)) as { Image: string; Cmd?: string[] };
      if (!images.has(body.Image)) return json(res, 404, { message: `No such image: ${body.Image}` });
      const container: FakeContainer = { id: randomBytes(32).toString('hex'), image: body.Image, cmd: body.Cmd ?? [], running: false, removed: false };
      engine.containers.push(container);
      byId.set(container.id, { container, frames: [], followers: new Set(), dir: await mkdtemp(join(tmpdir(), 'bazaar-fake-container-')) });
      json(res, 201, { Id: container.id, Warnings: [] });
    }],
    ['POST', /^\/containers\/([^/]+)\/start$/, async (_req, res, [, id]) => {
      const entry = byId.get(id as string);
      if (entry === undefined) return json(res, 404, { message: `No such container: ${id}` });
      if (entry.container.running) return text(res, 304, '');
      await startRedis(entry, options.redisServer);
      text(res, 204, '');
    }],
    ['GET', /^\/containers\/([^/]+)\/json$/, (_req, res, [, id]) => {
      const entry = byId.get(id as string);
      if (entry === undefined) return json(res, 404, { message: `No such container: ${id}` });
      json(res, 200, inspect(entry.container));
    }],
    ['GET', /^\/containers\/([^/]+)\/logs$/, (req, res, [, id]) => {
      const entry = byId.get(id as string);
      if (entry === undefined) return json(res, 404, { message: `No such container: ${id}` });
      res.writeHead(200, { 'content-type': 'application/vnd.docker.multiplexed-stream' });
      for (const frame of entry.frames) res.write(frame);
      if (!entry.container.running) return void res.end();
      const follow = (frame: Buffer | null) => (frame === null ? res.end() : res.write(frame));
      entry.followers.add(follow);
      req.socket.once('close', () => entry.followers.delete(follow));
    }],
    ['POST', /^\/containers\/([^/]+)\/stop$/, async (_req, res, [, id], query) => {
      const entry = byId.get(id as string);
      if (entry === undefined) return json(res, 404, { message: `No such container: ${id}` });
      if (!entry.container.running) return text(res, 304, '');
      // Docker sends SIGTERM and SIGKILL after t seconds; t=0 (testcontainers' default) kills at once.
      await kill(entry, Number(query.get('t') ?? 10) === 0 ? 'SIGKILL' : 'SIGTERM');
      text(res, 204, '');
    }],
    ['DELETE', /^\/containers\/([^/]+)$/, async (_req, res, [, id], query) => {
      const entry = byId.get(id as string);
      if (entry === undefined) return json(res, 404, { message: `No such container: ${id}` });
      if (entry.container.running && query.get('force') !== 'true') {
        return json(res, 409, { message: `cannot remove container ${id}: container is running: stop the container before removing or force remove` });
      }
      await kill(entry, 'SIGKILL');
      entry.container.removed = true;
      byId.delete(entry.container.id);
      await rm(entry.dir, { recursive: true, force: true });
      text(res, 204, '');
    }],
  ];

  const server = createHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake-docker');
    const path = url.pathname.replace(/^\/v\d+\.\d+(?=\/)/, '');
    const method = req.method ?? 'GET';
    engine.requests.push(`${method} ${path}`);
    res.setHeader('api-version', API_VERSION);
    for (const [routeMethod, pattern, handler] of routes) {
      const match = routeMethod === method ? pattern.exec(path) : null;
      if (match === null) continue;
      Promise.resolve(handler(req, res, [...match].map((part) => decodeURIComponent(part)), url.searchParams)).catch((error: unknown) => {
        if (!res.headersSent) json(res, 500, { message: `fake Docker engine: ${String(error)}` });
        else res.destroy();
      });
      return;
    }
    engine.unknown.push(`${method} ${url.pathname}${url.search}`);
    json(res, 404, { message: `the fake Docker engine does not implement ${method} ${path}` });
  });
  server.listen(socketPath);
  await once(server, 'listening');
  return engine;
}

/** Runs the container's `redis-server …` command as a real redis-server on a free loopback port. */
async function startRedis(entry: Running, redisServer: string): Promise<void> {
  const [command, ...args] = entry.container.cmd;
  if (command !== 'redis-server') throw new Error(`the fake Docker engine only runs redis-server, not ${JSON.stringify(entry.container.cmd)}`);
  const port = await freePort();
  // `-::1`: also on IPv6 loopback where there is one, as Docker publishes on both.
  const extra = ['--port', String(port), '--bind', '127.0.0.1 -::1', '--dir', entry.dir];
  const child = spawn(redisServer, [...args, ...extra], { cwd: entry.dir, stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  entry.child = child;
  Object.assign(entry.container, { hostPort: port, pid: child.pid, running: true });
  const emit = (frame: Buffer | null) => {
    if (frame !== null) entry.frames.push(frame);
    for (const follow of entry.followers) follow(frame);
  };
  child.stdout?.on('data', (chunk: Buffer) => emit(logFrame(STDOUT, chunk)));
  child.stderr?.on('data', (chunk: Buffer) => emit(logFrame(STDERR, chunk)));
  child.once('close', () => {
    entry.container.running = false;
    emit(null);
    entry.followers.clear();
  });
}

async function kill(entry: Running, signal: NodeJS.Signals): Promise<void> {
  const child = entry.child;
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const closed = once(child, 'close');
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await closed;
  clearTimeout(timer);
}

/** Docker's multiplexed stream: [stream, 0, 0, 0, size (uint32 BE)] then the payload. */
function logFrame(stream: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

function inspect(container: FakeContainer) {
  // As Docker: a container that is not running has no published ports.
  const binding = !container.running || container.hostPort === undefined ? [] : [
    { HostIp: '0.0.0.0', HostPort: String(container.hostPort) },
    { HostIp: '::', HostPort: String(container.hostPort) },
  ];
  return {
    Id: container.id,
    Name: `/fake-${container.id.slice(0, 12)}`,
    Image: container.image,
    Config: { Hostname: container.id.slice(0, 12), Image: container.image, Cmd: container.cmd, Labels: {} },
    State: {
      Status: container.running ? 'running' : container.hostPort === undefined ? 'created' : 'exited',
      Running: container.running,
      StartedAt: new Date().toISOString(),
      FinishedAt: '0001-01-01T00:00:00Z',
    },
    HostConfig: { PortBindings: { '6379/tcp': [{ HostIp: '', HostPort: '' }] } },
    NetworkSettings: {
      Ports: { '6379/tcp': binding },
      Networks: { bridge: { NetworkID: 'fake-bridge', IPAddress: '172.17.0.2' } },
    },
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain' });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += String(chunk);
  return body;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
