import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReferenceServer, type ReferenceServer } from '../../reference-server/index.ts';
import { runCli } from '../../src/cli/main.ts';
import { startChatDialectServer, type ChatDialectServer } from '../helpers/chat-dialect-server.ts';
import { memoryIo } from '../helpers/cli-io.ts';
import { startRoomsDialectServer, type RoomsDialectServer } from '../fixtures/dialects/rooms-dialect-server.ts';

// Issue 13 §3: against a server of another dialect and no profile, bazaar says so up front
// (what it probed, what was missing) and exits 1, instead of "0 passed, 28 failed" and exit 3.

let chat: ChatDialectServer;
let rooms: RoomsDialectServer;
let reference: ReferenceServer;
const dir = mkdtempSync(join(tmpdir(), 'bazaar-dialect-'));
beforeAll(async () => {
  [chat, rooms, reference] = await Promise.all([
    startChatDialectServer(),
    startRoomsDialectServer(),
    startReferenceServer({ port: 0, jwtSecret: 'dialect-secret', metricsPort: false }),
  ]);
});
afterAll(async () => {
  await Promise.all([chat.close(), rooms.close(), reference.close()]);
  rmSync(dir, { recursive: true, force: true });
});

async function cli(args: string[]) {
  // run logs through io.logger: silent here
  const io = { ...memoryIo(), logger: () => pino({ level: 'silent' }) };
  const code = await runCli(args, io);
  return { code, stdout: io.stdout.join('\n'), stderr: io.stderr.join('\n') };
}

describe('dialect detection before bazaar check', () => {
  it('the chat dialect: exits 1, naming each probe and what was missing, and pointing at bazaar init and docs/own-server.md', async () => {
    const { code, stderr, stdout } = await cli(['check', '--target', chat.url, '--jwt-secret', 'any', '--report', join(dir, 'chat')]);
    expect(code).toBe(1);
    expect(stderr).toContain(`${chat.url} does not speak the contract`);
    expect(stderr).toMatch(/✓ Engine\.IO handshake .*EIO 4/);
    expect(stderr).toMatch(/✗ POST \/api\/listings as a buyer.*→ 401 \{"message":"log in first"\}/);
    expect(stderr).toMatch(/✗ connect with auth\.token.*/);
    expect(stderr).toContain(`npx bazaar init --target ${chat.url}`);
    expect(stderr).toContain('docs/own-server.md');
    expect(stdout).not.toMatch(/failed/);
  });

  it('the rooms dialect: exits 1; the refused connect and the missing route are what it says', async () => {
    const { code, stderr } = await cli(['check', '--target', rooms.url, '--jwt-secret', 'any', '--report', join(dir, 'rooms')]);
    expect(code).toBe(1);
    expect(stderr).toContain(`${rooms.url} does not speak the contract`);
    expect(stderr).toMatch(/POST \/api\/listings → 401/);
    expect(stderr).toMatch(/connect_error "invalid token" \(the contract refuses only with "unauthorized"\)/);
    expect(stderr).toContain('bazaar init --target');
  });

  it('a contract server with the wrong secret is told about the secret, not about dialects', async () => {
    const { code, stderr } = await cli(['check', '--target', reference.url, '--jwt-secret', 'not-it', '--report', join(dir, 'secret')]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/refused a token minted for the check/);
    expect(stderr).toMatch(/--jwt-secret/);
    expect(stderr).not.toMatch(/does not speak/);
  });

  it('the reference server proceeds to the checks', async () => {
    const { code, stdout } = await cli(['check', '--target', reference.url, '--jwt-secret', 'dialect-secret', '--only', 'auth.rejects-unsigned-tokens', '--report', join(dir, 'ref')]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/auth\.rejects-unsigned-tokens.*passed/);
  });
});

describe('dialect detection through a profile', () => {
  it('a profile file that does not load is a usage error: exit 2, naming the file', async () => {
    const { code, stderr } = await cli(['check', '--target', rooms.url, '--profile', 'no-such.target.ts', '--report', join(dir, 'no-profile')]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--profile no-such\.target\.ts: no such file/);
  });

  it('a profile the server does not match: exits 1 naming what the profile said and what the server answered', async () => {
    const { code, stderr } = await cli(['check', '--target', chat.url, '--profile', 'test/fixtures/dialects/rooms.target.ts', '--report', join(dir, 'profile-chat')]);
    expect(code).toBe(1);
    expect(stderr).toContain(`${chat.url} does not speak the way profile "rooms fixture" says it does`);
    expect(stderr).toMatch(/✗ log in the profile's way \(identity login\), connect with the credentials in the handshake's query: .*POST \/api\/signup\) answered 401/);
    expect(stderr).toContain('fix the profile where it differs from the server');
  });
});

describe('dialect detection before bazaar run --target', () => {
  it('a contract scenario against the rooms dialect exits 1 before seeding', async () => {
    const { code, stderr, stdout } = await cli(['run', 'smoke', '--target', rooms.url, '--jwt-secret', 'any', '--report', join(dir, 'run-rooms'), '--no-progress']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/does not speak the contract \(docs\/contract\.md\), which this scenario uses/);
    expect(stdout).not.toMatch(/seeding/);
  });

  it('through a profile the server does not match: exits 1 before seeding', async () => {
    const { code, stderr, stdout } = await cli(['run', 'smoke', '--profile', 'test/fixtures/dialects/rooms.target.ts', '--target', chat.url, '--report', join(dir, 'run-profile'), '--no-progress']);
    expect(code).toBe(1);
    expect(stderr).toContain('does not speak the way profile "rooms fixture" says it does');
    expect(stdout).not.toMatch(/seeding/);
  });

  it('the reference server proceeds and passes smoke', async () => {
    const { code, stdout } = await cli(['run', 'smoke', '--target', reference.url, '--jwt-secret', 'dialect-secret', '--report', join(dir, 'run-ref'), '--no-progress']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/PASSED/);
  });
});
