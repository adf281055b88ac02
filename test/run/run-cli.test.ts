import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnCli } from './cli-helpers.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'bazaar-run-'));

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitForFile(path: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`${path} did not appear within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('bazaar run (the real CLI)', () => {
  it('passes smoke against the embedded server, writes the report, and exits on its own', async () => {
    const dir = tmp();
    const { code, stdout } = await spawnCli(['run', 'smoke', '--report', dir]).exited;
    expect(code).toBe(0);
    expect(stdout).toMatch(/status:\s+PASSED/);
    const files = readdirSync(dir);
    expect(files).toEqual(expect.arrayContaining(['result.json', 'summary.md', 'report.html']));
    expect(stdout).toContain(`html: ${join(dir, 'report.html')}`);
    expect(files.some((f) => f.endsWith('.hgrm'))).toBe(true);
    const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
    expect(result).toMatchObject({ scenario: 'smoke', partial: false, status: 'passed', embedded: true });
    expect(result.metrics.latencies.find((l: any) => l.key === 'ack{event:message:send}').histogram).toMatch(/^[A-Za-z0-9+/=]+$/);
  });

  it('exits 99 when a threshold cannot be met', async () => {
    const { code, stdout } = await spawnCli(['run', 'smoke', '--report', tmp(), '--threshold', 'ack{event:message:send} p(95)<1us']).exited;
    expect(code).toBe(99);
    expect(stdout).toMatch(/THRESHOLDS FAILED/);
  });

  it('exits 1 with a clear message when the target is unreachable', async () => {
    const port = await closedPort();
    const { code, stderr } = await spawnCli(['run', 'smoke', '--report', tmp(), '--target', `http://127.0.0.1:${port}`, '--jwt-secret', 'x']).exited;
    expect(code).toBe(1);
    expect(stderr).toMatch(new RegExp(`cannot reach http://127\\.0\\.0\\.1:${port}: ECONNREFUSED`));
    expect(stderr).toMatch(/what to do: start the server first/);
  });

  it('exits 2 (bad input) and says so when the target is on a port fetch refuses to call (9, the discard port)', async () => {
    const { code, stderr } = await spawnCli(['run', 'smoke', '--report', tmp(), '--target', 'http://127.0.0.1:9', '--jwt-secret', 'x']).exited;
    expect(code).toBe(2);
    expect(stderr).toMatch(/port 9 is one the Fetch standard blocks \("bad port"\)/);
    expect(stderr).toMatch(/what to do: serve the app on another port/);
  });

  it('exits 2 before any load when a threshold names a metric that does not exist', async () => {
    const { code, stderr } = await spawnCli(['run', 'smoke', '--report', tmp(), '--threshold', 'ackk{event:message:send} p(95)<150ms']).exited;
    expect(code).toBe(2);
    expect(stderr).toMatch(/ackk/);
    expect(stderr).toMatch(/does not exist/);
  });

  it('exits 2 before any load when a threshold filters by a tag key its metric does not have, naming the closest', async () => {
    const { code, stderr } = await spawnCli(['run', 'smoke', '--report', tmp(), '--threshold', 'errors{cod:internal} count==0']).exited;
    expect(code).toBe(2);
    expect(stderr).toMatch(/by tag 'cod'.*errors is tagged by code, source/);
    expect(stderr).toMatch(/did you mean 'code'\? write 'errors\{code:internal\}'/);
  });

  it('exits 2 for an unknown scenario, naming the shipped ones', async () => {
    const { code, stderr } = await spawnCli(['run', 'no-such-scenario']).exited;
    expect(code).toBe(2);
    expect(stderr).toMatch(/smoke, booking-chat/);
  });

  it('leaves result.json marked partial when interrupted by SIGINT', async () => {
    const dir = tmp();
    const run = spawnCli(['run', 'presence-churn', '--scale', '0.1', '--duration', '30s', '--report', dir]);
    await waitForFile(join(dir, 'result.json'), 20_000);
    run.child.kill('SIGINT');
    const { code, stderr } = await run.exited;
    expect(code).toBe(130);
    expect(stderr).toMatch(/SIGINT: stopping; writing the partial report/);
    const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
    expect(result).toMatchObject({ partial: true, status: 'interrupted' });
    expect(existsSync(join(dir, 'summary.md'))).toBe(true);
    // the partial run's page says so first
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toMatch(/<div class="verdict">INTERRUPTED \(partial\)<\/div>/);
  });
});
