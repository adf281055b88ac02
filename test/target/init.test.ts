import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReferenceServer } from '../../reference-server/index.ts';
import { runCli } from '../../src/cli/main.ts';
import { createSecretTokenProvider } from '../../src/client/tokens.ts';
import { loadScenario } from '../../src/scenario/load-scenario.ts';
import { loadTargetProfile } from '../../src/target/load-target.ts';
import { initTarget } from '../../src/target/init-target.ts';
import { startChatDialectServer, loginTokens, type ChatDialectServer } from '../helpers/chat-dialect-server.ts';
import { memoryIo } from '../helpers/cli-io.ts';
import { startRoomsDialectServer, type RoomsDialectServer } from '../fixtures/dialects/rooms-dialect-server.ts';

// Issue 13 §3: `bazaar init --target URL` probes a real server and writes a profile skeleton and
// a first scenario, never overwriting without --force.

let rooms: RoomsDialectServer;
let chat: ChatDialectServer;
let plain: Server;
let plainUrl: string;
const dirs: string[] = [];
const tmp = () => {
  const dir = mkdtempSync(join(tmpdir(), 'bazaar-init-'));
  dirs.push(dir);
  return dir;
};
beforeAll(async () => {
  [rooms, chat] = await Promise.all([startRoomsDialectServer(), startChatDialectServer()]);
  plain = createServer((_req, res) => res.writeHead(404).end('nothing here'));
  await new Promise<void>((done) => plain.listen(0, '127.0.0.1', done));
  plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await Promise.all([rooms.close(), chat.close(), new Promise((done) => plain.close(done))]);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function cli(args: string[]) {
  const io = memoryIo();
  const code = await runCli(args, io);
  return { code, stdout: io.stdout.join('\n'), stderr: io.stderr.join('\n') };
}

async function roomsToken(name: string): Promise<string> {
  const res = await fetch(`${rooms.url}/api/signup`, { method: 'POST', body: JSON.stringify({ name }) });
  return ((await res.json()) as { token: string }).token;
}

describe('bazaar init --target', () => {
  it('probes the rooms dialect, prints what it found and what to fill in, and writes the profile and a first scenario', async () => {
    const dir = tmp();
    const { code, stdout } = await cli(['init', '--target', rooms.url, '--token', await roomsToken('init'), '--dir', dir]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Engine\.IO 4: yes \(polling, upgrades to \[websocket\]; pingInterval 25000 ms, pingTimeout 20000 ms, maxPayload 1000000 bytes\)/);
    expect(stdout).toMatch(/Engine\.IO 3: refused \(400 /);
    expect(stdout).toContain('connect without a token: refused, connect_error "invalid token"');
    expect(stdout).toContain('refused in auth.token, accepted in the query string (?token=)');
    expect(stdout).toContain('greeting after connect: none within 2 s');
    expect(stdout).toContain('GET /healthz: 401');
    expect(stdout).not.toContain('greets like the contract');
    expect(stdout).toMatch(/fill in[\s\S]*identity[\s\S]*world\.booking[\s\S]*operations[\s\S]*capabilities/);
    expect(stdout).toContain('docs/own-server.md');
    const profile = readFileSync(join(dir, 'bazaar.target.ts'), 'utf8');
    expect(profile).toContain("import { defineTarget } from 'bazaar';");
    expect(profile).toContain("handshake: { in: 'query', name: 'token' },");
    expect(profile).toContain("session: 'none'");
    expect(profile).toContain('healthPath: false');
    expect(profile).toMatch(/What bazaar found:\n \* {3}Engine\.IO 4: yes/);
    expect(readFileSync(join(dir, 'bazaar.scenario.ts'), 'utf8')).toContain("import { defineScenario } from 'bazaar';");
  });

  it('writes a profile and a scenario that load as written (valid before any TODO is filled in)', async () => {
    const dir = tmp();
    await initTarget({ target: rooms.url, dir, token: await roomsToken('load'), waitMs: 300, importFrom: resolve('src/index.ts') });
    const profile = await loadTargetProfile(join(dir, 'bazaar.target.ts'));
    expect(profile).toMatchObject({ name: 'my server', url: rooms.url, identity: { type: 'login', placement: { handshake: { in: 'query' } } } });
    const scenario = await loadScenario(join(dir, 'bazaar.scenario.ts'));
    expect(scenario.executor).toMatchObject({ type: 'constant-vus' });
    // Seedable as written: each listing is booked once, so there are as many listings as bookings.
    const world = scenario.world as { sellers: number; listingsPerSeller: number; bookings: number };
    expect(world.bookings).toBeLessThanOrEqual(world.sellers * world.listingsPerSeller);
  });

  it('reports the greeting a server sends on connect, and puts it in the profile', async () => {
    const dir = tmp();
    const token = await loginTokens(chat.url)('init-user');
    const { code, stdout } = await cli(['init', '--target', chat.url, '--token', token, '--dir', dir]);
    expect(code).toBe(0);
    expect(stdout).toContain('connect with --token in auth.token: accepted');
    expect(stdout).toMatch(/greeting after connect: `session` \{"sid":"[^"]+"\} after \d+ ms/);
    expect(readFileSync(join(dir, 'bazaar.target.ts'), 'utf8')).toContain('session: { event: "session", read: (greeting) => ({}) }');
  });

  it('tells a server that already speaks the contract that it may need no profile', async () => {
    const reference = await startReferenceServer({ port: 0, jwtSecret: 'init-secret', metricsPort: false });
    try {
      const token = createSecretTokenProvider('init-secret');
      const { code, stdout } = await cli(['init', '--target', reference.url, '--token', await token('init-buyer', 'buyer'), '--dir', tmp()]);
      expect(code).toBe(0);
      expect(stdout).toContain('connect without a token: refused, connect_error "unauthorized"');
      expect(stdout).toMatch(/greeting after connect: `session` \{"userId":"init-buyer","role":"buyer","presence":/);
      expect(stdout).toContain('this server greets like the contract (docs/contract.md): it may need no profile');
    } finally {
      await reference.close();
    }
  });

  it('never overwrites without --force: exit 2 naming the file, the file untouched; --force replaces it', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'bazaar.target.ts'), '// mine\n');
    const refused = await cli(['init', '--target', rooms.url, '--dir', dir]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/bazaar\.target\.ts already exists; nothing was written/);
    expect(refused.stderr).toContain('--force');
    expect(readFileSync(join(dir, 'bazaar.target.ts'), 'utf8')).toBe('// mine\n');
    const forced = await cli(['init', '--target', rooms.url, '--dir', dir, '--force']);
    expect(forced.code).toBe(0);
    expect(readFileSync(join(dir, 'bazaar.target.ts'), 'utf8')).toContain('defineTarget');
  });

  it('exits 1 and writes nothing for a server that is not Socket.IO, or not there', async () => {
    const dir = tmp();
    const http = await cli(['init', '--target', plainUrl, '--dir', dir]);
    expect(http.code).toBe(1);
    expect(http.stderr).toMatch(/answers no Engine\.IO handshake at \/socket\.io\/ \(404 nothing here\)/);
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const closedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((done) => closed.close(done));
    const down = await cli(['init', '--target', closedUrl, '--dir', dir]);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain(`cannot reach ${closedUrl}: ECONNREFUSED`);
    expect(() => readFileSync(join(dir, 'bazaar.target.ts'))).toThrow();
  });
});
