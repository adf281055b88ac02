import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BazaarError } from '../../errors.ts';
import { findOnPath, freePort, launch, type ProvidedRedis } from '../redis-provider.ts';

/** A redis-server the lab started and may break: never the shared one (docs/faults.md). */
export interface LabRedis {
  url: string;
  port: number;
  /** The redis-server process now (a restart changes it). */
  readonly pid: number;
  /** SIGSTOP: the server holds every connection and answers nothing. */
  freeze(): void;
  /** SIGCONT. */
  thaw(): void;
  /**
   * Stop the server (its clients see their connections close), wait `downMs`, start it again on
   * its port with the data it had (a SAVE just before the stop, as a Redis with persistence
   * would; writes in the moment between are lost).
   */
  restart(downMs: number): Promise<void>;
  /** CLIENT KILL TYPE pubsub: cuts every subscriber connection; resolves with how many. */
  killSubscribers(): Promise<number>;
  close(): Promise<void>;
}

/** Start a throwaway redis-server from PATH on a free loopback port, for faults to act on. */
export async function startLabRedis(env: NodeJS.ProcessEnv = process.env): Promise<LabRedis> {
  const binary = await findOnPath('redis-server', env);
  if (!binary) {
    throw new BazaarError('BAZAAR_REDIS_UNAVAILABLE', 'Redis faults need a redis-server the lab starts, and redis-server is not on PATH',
      'install Redis 7 so that redis-server is on PATH (Debian: apt-get install redis-server)');
  }
  const port = await freePort();
  let dir = await mkdtemp(join(tmpdir(), 'bazaar-lab-redis-'));
  let current: ProvidedRedis = await launch(binary, port, dir);
  let frozen = false;
  let closed = false;
  const stopCurrent = async () => {
    if (frozen && current.pid) process.kill(current.pid, 'SIGCONT');
    frozen = false;
    await current.close(); // SIGTERM, SIGKILL after 5 s; removes its dir
  };
  // A run killed outright must not leave a stopped redis-server behind (launch kills it on exit; a stopped one needs SIGCONT first).
  const thawOnExit = () => {
    if (frozen && current.pid) process.kill(current.pid, 'SIGCONT');
  };
  process.on('exit', thawOnExit);
  return {
    url: current.url,
    port,
    get pid() {
      return current.pid as number;
    },
    freeze() {
      if (current.pid) process.kill(current.pid, 'SIGSTOP');
      frozen = true;
    },
    thaw() {
      if (frozen && current.pid) process.kill(current.pid, 'SIGCONT');
      frozen = false;
    },
    async restart(downMs) {
      if (frozen && current.pid) process.kill(current.pid, 'SIGCONT');
      frozen = false;
      const next = await mkdtemp(join(tmpdir(), 'bazaar-lab-redis-'));
      await command(port, ['SAVE']);
      await copyFile(join(dir, 'dump.rdb'), join(next, 'dump.rdb'));
      await stopCurrent();
      dir = next;
      if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
      if (closed) return;
      current = await launch(binary, port, dir); // loads dump.rdb
    },
    killSubscribers: async () => Number(await command(port, ['CLIENT', 'KILL', 'TYPE', 'pubsub'])),
    async close() {
      closed = true;
      process.removeListener('exit', thawOnExit);
      await stopCurrent();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** One RESP command answered with a simple string or an integer, on a fresh connection. */
function command(port: number, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(2_000, () => {
      socket.destroy();
      reject(new BazaarError('BAZAAR_FAULT_FAILED', `redis on port ${port} did not answer ${args.join(' ')} within 2 s`));
    });
    socket.once('error', reject);
    socket.once('connect', () => socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (!reply.includes('\r\n')) return;
      socket.destroy();
      if (reply.startsWith(':') || reply.startsWith('+')) resolve(reply.slice(1, reply.indexOf('\r\n')));
      else reject(new BazaarError('BAZAAR_FAULT_FAILED', `redis answered ${args.join(' ')} with ${reply.trim()}`));
    });
  });
}
