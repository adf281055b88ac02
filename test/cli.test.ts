import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyToken } from '../src/contract/index.ts';
import { runCli } from '../src/cli/main.ts';
import { memoryIo } from './helpers/cli-io.ts';
import { closeAllClients, connectClient } from './helpers/client.ts';

const BIN = new URL('../bin/bazaar.ts', import.meta.url).pathname;


afterEach(() => closeAllClients());

describe('bazaar token', () => {
  it('prints a token the contract accepts', async () => {
    const io = memoryIo();
    const code = await runCli(['token', '--sub', 'u1', '--role', 'seller', '--ttl', '2m', '--jwt-secret', 'k'], io);
    expect(code).toBe(0);
    const verified = verifyToken(io.stdout[0], 'k');
    expect(verified).toMatchObject({ ok: true, claims: { sub: 'u1', role: 'seller' } });
  });

  it("reads k6's compound durations: --ttl 1h30m is 5400 s", async () => {
    const io = memoryIo();
    expect(await runCli(['token', '--sub', 'u1', '--role', 'buyer', '--ttl', '1h30m', '--jwt-secret', 'k'], io)).toBe(0);
    const verified = verifyToken(io.stdout[0], 'k');
    if (!verified.ok) throw new Error('token did not verify');
    expect(verified.claims.exp - (verified.claims.iat ?? 0)).toBe(5_400);
  });

  it('reads the secret from JWT_SECRET', async () => {
    const io = memoryIo({ JWT_SECRET: 'from-env' });
    expect(await runCli(['token', '--sub', 'u1', '--role', 'admin'], io)).toBe(0);
    expect(verifyToken(io.stdout[0], 'from-env').ok).toBe(true);
  });

  it.each([
    [['token', '--sub', 'u1', '--role', 'buyer'], /no JWT secret/],
    [['token', '--sub', 'u1', '--role', 'king', '--jwt-secret', 'k'], /role must be one of buyer, seller, admin/],
    [['token', '--sub', 'u1', '--role', 'buyer', '--jwt-secret', 'k', '--ttl', '10'], /add a unit: "10s" or "10ms"/],
    [['token', '--role', 'buyer', '--jwt-secret', 'k'], /--sub/],
    [['nonsense'], /unknown command/],
  ])('exits 2 with a clear message for %j', async (argv, message) => {
    const io = memoryIo();
    expect(await runCli(argv, io)).toBe(2);
    expect(io.stderr.join('\n')).toMatch(message);
  });
});

describe('bazaar --help', () => {
  it('lists every command with one line each', async () => {
    const io = memoryIo();
    expect(await runCli(['--help'], io)).toBe(0);
    const help = io.stdout.join('\n');
    // one line each: every command's line is followed directly by the next command's
    expect(help).toMatch(/\n {2}run \[options\] <scenario>\s+\S[^\n]+\n {2}check \[options\]\s+\S[^\n]+\n {2}serve \[options\]\s+\S[^\n]+\n {2}token \[options\]\s+\S[^\n]+\n {2}compare <base> <current>\s+\S[^\n]+\n/);
  });
});

describe('bazaar serve (a real process)', () => {
  it('starts with no configuration, prints where it listens and how to get a token, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--metrics-port', '0', '--log-level', 'warn'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, JWT_SECRET: '' },
    });
    const lines: string[] = [];
    const reader = createInterface({ input: child.stdout });
    const ready = new Promise<void>((resolve, reject) => {
      reader.on('line', (line) => {
        lines.push(line);
        if (line.startsWith('Ctrl-C')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`serve exited early with ${code}`)));
      setTimeout(() => reject(new Error(`serve printed no ready line in 10 s: ${lines.join(' | ')}`)), 10_000);
    });
    try {
      await ready;
      const text = lines.join('\n');
      const url = /listening on (http:\/\/\S+)/.exec(text)?.[1];
      const secret = /jwt secret\s+(\S+)/.exec(text)?.[1];
      expect(url).toBeDefined();
      expect(text).toMatch(/generated/);
      expect(text).toMatch(/metrics\s+http:\/\/127\.0\.0\.1:\d+\/metrics/);
      expect(text).toMatch(/npx bazaar token --jwt-secret \S+ --sub u1 --role buyer/);
      const io = memoryIo();
      await runCli(['token', '--sub', 'u1', '--role', 'buyer', '--jwt-secret', secret as string], io);
      const client = await connectClient(url as string, { auth: { token: io.stdout[0] } });
      expect(await client.waitFor('session')).toMatchObject({ userId: 'u1' });
      const closed = new Promise((resolve) => client.socket.on('disconnect', resolve));
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
      await closed;
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('exits 1 with a clear message when the port is taken', async () => {
    const { createServer } = await import('node:net');
    const blocker = createServer().listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const port = (blocker.address() as { port: number }).port;
    const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port), '--metrics-port', '0', '--log-level', 'silent'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const [code] = await once(child, 'exit');
    blocker.close();
    expect(code).toBe(1);
    expect(stderr).toMatch(new RegExp(`port ${port} .*in use`));
  });
});
