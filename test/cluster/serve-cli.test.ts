import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { memoryIo } from '../helpers/cli-io.ts';

const BIN = new URL('../../bin/bazaar.ts', import.meta.url).pathname;


describe('bazaar serve, several nodes: options', () => {
  it.each([
    [['serve', '--nodes', '0'], /--nodes is an integer from 1 to 64/],
    [['serve', '--nodes', '3', '--adapter', 'kafka'], /--adapter is one of redis, sharded, streams/],
    [['serve', '--nodes', '3', '--lb', 'nginx'], /--lb is one of sticky, haproxy, none/],
    [['serve', '--nodes', '3', '--fanout', 'random'], /--fanout is ordered or adapter/],
    [['serve', '--nodes', '3', '--recovery'], /--recovery needs --adapter streams/],
    [['serve', '--redis', 'redis://127.0.0.1:1', '--adapter', 'sharded', '--recovery'], /--recovery on Redis needs the streams adapter/],
    [['serve', '--nodes', '3', '--defect', 'query-token'], /--defect runs on one node in memory/],
  ])('exits 2 with a clear message for %j', async (argv, message) => {
    const io = memoryIo();
    expect(await runCli(argv, io)).toBe(2);
    expect(io.stderr.join('\n')).toMatch(message);
  });

  it('--lb haproxy without the binary says to install it, before starting anything', async () => {
    // PATH with node's directory only: no haproxy (nor redis-server: it is checked first).
    const path = dirname(process.execPath);
    const child = spawn(process.execPath, [BIN, 'serve', '--nodes', '2', '--port', '0', '--lb', 'haproxy', '--log-level', 'silent'],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: path, JWT_SECRET: 'k' } });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.stdout.resume();
    const [code] = await once(child, 'exit');
    expect(stderr).toMatch(/haproxy binary, and it is not on PATH/);
    expect(stderr).toMatch(/apt-get install haproxy/);
    expect(code).toBe(1);
  }, 20_000);
});
