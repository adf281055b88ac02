import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { constants as fsConstants } from 'node:fs';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { BazaarError } from '../errors.ts';
import type { ProxyTarget } from './round-robin-proxy.ts';

export interface HaproxyEntry {
  url: string;
  port: number;
  pid: number;
  config: string;
  close(): Promise<void>;
}

/**
 * `--lb haproxy`: HAProxy in front of the nodes, sticky by a cookie it inserts (SERVERID): the
 * first request of a session is balanced round-robin, every later one carries the cookie and
 * goes to the same node. `timeout tunnel` keeps WebSockets open past the client/server timeouts.
 */
export interface HaproxyTimeouts {
  /** `timeout client` / `timeout server`; default 60 s each. */
  clientMs?: number;
  serverMs?: number;
  /**
   * `timeout tunnel`, what an upgraded WebSocket may stay idle; default 1 h. `null` leaves it
   * out, and HAProxy then cuts tunnels at the client/server timeouts: the repro catalog's
   * proxy-timeout entry (docs/repro/proxy-timeout.md).
   */
  tunnelMs?: number | null;
}

export function renderHaproxyConfig(targets: ProxyTarget[], bind: { host: string; port: number }, timeouts: HaproxyTimeouts = {}): string {
  const tunnelMs = timeouts.tunnelMs === undefined ? 3_600_000 : timeouts.tunnelMs;
  const servers = targets.map((t, i) => `  server node${i} ${t.host}:${t.port} check cookie node${i}`);
  return [
    'global',
    // Two descriptors per proxied connection: this fits under a common 20K `ulimit -n`.
    '  maxconn 8000',
    '',
    'defaults',
    '  mode http',
    '  option http-server-close',
    '  timeout connect 5s',
    `  timeout client ${haproxyDuration(timeouts.clientMs ?? 60_000)}`,
    `  timeout server ${haproxyDuration(timeouts.serverMs ?? 60_000)}`,
    ...(tunnelMs === null ? [] : [`  timeout tunnel ${haproxyDuration(tunnelMs)}`]),
    '',
    'frontend entry',
    `  bind ${bind.host}:${bind.port}`,
    '  default_backend nodes',
    '',
    'backend nodes',
    '  balance roundrobin',
    '  cookie SERVERID insert indirect nocache',
    '  option httpchk GET /healthz',
    ...servers,
    '',
  ].join('\n');
}

/** HAProxy reads a bare number as milliseconds; whole seconds and hours are written as such for a person reading the config. */
function haproxyDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${Math.round(ms)}ms`;
}

export async function findHaproxy(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, 'haproxy');
    try {
      await access(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Throws the error a person can act on when --lb haproxy cannot run here. */
export async function requireHaproxy(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const binary = await findHaproxy(env);
  if (!binary) {
    throw new BazaarError('BAZAAR_HAPROXY_MISSING', '--lb haproxy needs the haproxy binary, and it is not on PATH',
      'install it (Debian/Ubuntu: apt-get install haproxy), or use --lb sticky, which needs nothing extra');
  }
  return binary;
}

export async function startHaproxy(targets: ProxyTarget[], options: { host: string; port: number; timeouts?: HaproxyTimeouts }): Promise<HaproxyEntry> {
  const binary = await requireHaproxy();
  const port = options.port === 0 ? await freePort(options.host) : options.port;
  const dir = await mkdtemp(join(tmpdir(), 'bazaar-haproxy-'));
  const config = renderHaproxyConfig(targets, { host: options.host, port }, options.timeouts);
  const file = join(dir, 'haproxy.cfg');
  await writeFile(file, config);
  // -db: stay in the foreground, so the child is HAProxy itself and dies with a signal.
  const child = spawn(binary, ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const url = `http://${options.host}:${port}`;
  try {
    await waitForHealthy(url, child, () => output);
  } catch (error) {
    process.removeListener('exit', killOnExit);
    await stop(child);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    pid: child.pid as number,
    config,
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

async function waitForHealthy(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new BazaarError('BAZAAR_HAPROXY_FAILED', `haproxy exited with ${child.exitCode}: ${output().trim()}`,
        'check the generated configuration above, or use --lb sticky');
    }
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1_000) });
      await res.text();
      if (res.ok) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) {
      throw new BazaarError('BAZAAR_HAPROXY_FAILED', `haproxy did not serve ${url}/healthz within 10 s: ${output().trim()}`, 'use --lb sticky instead');
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
