import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnCli } from './cli-helpers.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'bazaar-lean-'));

describe('bazaar run --client (the real CLI)', () => {
  it('passes smoke with --client lean and records the client in result.json', async () => {
    const dir = tmp();
    const { code, stdout } = await spawnCli(['run', 'smoke', '--client', 'lean', '--report', dir]).exited;
    expect(code).toBe(0);
    expect(stdout).toMatch(/status:\s+PASSED/);
    expect(JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')).conditions).toMatchObject({ client: 'lean', transport: 'websocket' });
  });

  it('exits 2 for an unknown client, naming the two', async () => {
    const { code, stderr } = await spawnCli(['run', 'smoke', '--client', 'tiny']).exited;
    expect(code).toBe(2);
    expect(stderr).toMatch(/socket\.io-client \(the default\) or lean/);
  });

  it('exits 2 before any load for --client lean over long-polling, saying what to do', async () => {
    const { code, stderr } = await spawnCli(['run', 'smoke', '--client', 'lean', '--transport', 'polling', '--report', tmp()]).exited;
    expect(code).toBe(2);
    expect(stderr).toMatch(/lean client speaks WebSocket only/);
    expect(stderr).toMatch(/--client socket\.io-client/);
  });
});
