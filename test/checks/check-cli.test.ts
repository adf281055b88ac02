import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnCli } from '../run/cli-helpers.ts';
import { startServeChild, type ChildServer } from './serve-child.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'bazaar-check-'));
const servers: ChildServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe('bazaar check (the real CLI)', () => {
  it('exits 0 on the embedded server and writes report.json and junit.xml with one testcase per check', async () => {
    const dir = tmp();
    const { code, stdout } = await spawnCli(['check', '--only', 'race.*,idempotency.*', '--report', dir], 120_000).exited;
    expect(code).toBe(0);
    expect(stdout).toMatch(/race\.\S+.*passed/);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(report).toMatchObject({ target: expect.stringMatching(/^http:/), startedAt: expect.any(String) });
    expect(report.checks.length).toBeGreaterThan(0);
    for (const check of report.checks) {
      expect(check).toMatchObject({ id: expect.any(String), title: expect.any(String), guarantee: expect.any(String), status: 'passed' });
    }
    const junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
    expect(junit.match(/<testcase /g)?.length).toBe(report.checks.length);
  });

  it('exits 3 and prints the evidence when a check fails (a server with a defect)', async () => {
    const server = await startServeChild(['--defect', 'booking-check-then-act']);
    servers.push(server);
    const dir = tmp();
    const { code, stdout } = await spawnCli(['check', '--target', server.url, '--jwt-secret', server.jwtSecret, '--only', 'race.*', '--report', dir], 120_000).exited;
    expect(code).toBe(3);
    expect(stdout).toMatch(/✗ race\./);
    expect(stdout).toMatch(/guarantee: /);
    expect(readFileSync(join(dir, 'junit.xml'), 'utf8')).toMatch(/<failure /);
  });

  it('exits 1 naming the problem when the secret is wrong', async () => {
    const server = await startServeChild();
    servers.push(server);
    const { code, stderr } = await spawnCli(['check', '--target', server.url, '--jwt-secret', 'not-the-secret', '--report', tmp()]).exited;
    expect(code).toBe(1);
    expect(stderr).toMatch(/refused a token/);
    expect(stderr).toMatch(/--jwt-secret/);
  });

  it('exits 1 when the target is unreachable', async () => {
    const { code, stderr } = await spawnCli(['check', '--target', 'http://127.0.0.1:9', '--jwt-secret', 'x', '--report', tmp()]).exited;
    expect(code).toBe(1);
    expect(stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9/);
  });

  it('exits 2 for an --only pattern that matches nothing', async () => {
    const dir = tmp();
    const { code, stderr } = await spawnCli(['check', '--only', 'nothing.*', '--report', dir]).exited;
    expect(code).toBe(2);
    expect(stderr).toMatch(/matches no check/);
    expect(existsSync(join(dir, 'report.json'))).toBe(false);
  });

  it('--preset security narrowed by --only runs those checks, with severity and fix hint in report.json; an unknown preset exits 2', async () => {
    const dir = tmp();
    const { code } = await spawnCli(['check', '--preset', 'security', '--only', 'security.cve.*', '--report', dir], 120_000).exited;
    expect(code).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(report.checks.map((c: { id: string }) => c.id)).toEqual(['security.cve.parser-packets', 'security.cve.transport-requests']);
    expect(report.checks[0]).toMatchObject({ status: 'passed', severity: 'high', fixHint: expect.stringMatching(/socket\.io-parser/) });
    const unknown = await spawnCli(['check', '--preset', 'paranoid', '--report', tmp()]).exited;
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown preset "paranoid".*\n?.*security/s);
  });

  it('prints report.json with --json', async () => {
    const { code, stdout } = await spawnCli(['check', '--only', 'idempotency.*', '--json', '--report', tmp()], 120_000).exited;
    expect(code).toBe(0);
    expect(JSON.parse(stdout).checks.length).toBeGreaterThan(0);
  });
});
