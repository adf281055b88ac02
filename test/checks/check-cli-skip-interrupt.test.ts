import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { memoryIo } from '../helpers/cli-io.ts';
import { spawnCli } from '../run/cli-helpers.ts';
import { startServeChild, type ChildServer } from './serve-child.ts';

/*
 * Issue 12 items 9 and 10: a skipped check is reported as skipped with its reason (never as a
 * pass in disguise), --max-wait lets long presence waits run, --fail-on-skip fails CI on a
 * skip, and Ctrl-C leaves a partial report and exit 130.
 */

const tmp = () => mkdtempSync(join(tmpdir(), 'bazaar-check-'));
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
const servers: ChildServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

/** Resolves once report.json exists and lists at least `checks` checks (the CLI rewrites it after each check). */
async function waitForChecksDone(dir: string, checks: number, timeoutMs = 30_000): Promise<void> {
  const path = join(dir, 'report.json');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (existsSync(path) && readJson(path).checks.length >= checks) return;
    if (Date.now() > deadline) throw new Error(`${path} did not list ${checks} checks within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/*
 * A presence TTL just long enough that every presence check needs more than its default limit
 * (the limits are sized for the contract's 60 s TTL plus setup: 110-121 s; at TTL 95 s the
 * checks need 115-125 s), so they skip at once instead of waiting. --max-wait 3m lets them run.
 */
const LONG_TTL = '95s';

describe('bazaar check: skips, --max-wait, --fail-on-skip, Ctrl-C', () => {
  it('exits 2 for a --max-wait that is not a duration', async () => {
    const io = memoryIo();
    expect(await runCli(['check', '--max-wait', 'soon'], io)).toBe(2);
    expect(io.stderr.join('\n')).toMatch(/--max-wait.*"soon" is not a duration/);
  });

  it('reports presence checks skipped against a long TTL, with the TTL, the wait needed and the flag, in the table, report.json and JUnit; exit 0, and 3 with --fail-on-skip', async () => {
    const server = await startServeChild(['--presence-ttl', LONG_TTL]);
    servers.push(server);
    const args = ['check', '--target', server.url, '--jwt-secret', server.jwtSecret, '--only', 'race.*,presence.*'];
    const dir = tmp();
    const { code, stdout } = await spawnCli([...args, '--report', dir], 120_000).exited;
    expect(code).toBe(0);
    expect(stdout).toMatch(/presence\.no-ghost .*- SKIPPED/);
    expect(stdout).toMatch(/^- presence\.no-ghost skipped: the target's presence TTL is 95000 ms .*needs about \d+ ms.*pass --max-wait \d+s/m);
    expect(stdout).toMatch(/^PASSED: 1 passed, 0 failed, 4 skipped in /m);
    const report = readJson(join(dir, 'report.json'));
    expect(report).toMatchObject({ passed: true, partial: false, failOnSkip: false });
    const presence = report.checks.filter((c: any) => c.id.startsWith('presence.'));
    expect(presence).toHaveLength(4);
    for (const check of presence) {
      expect(check).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/TTL is 95000 ms.*--max-wait \d+s/) });
    }
    const junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
    expect(junit).toMatch(/skipped="4"/);
    expect(junit.match(/<skipped message="the target's presence TTL is 95000 ms[^"]*--max-wait \d+s[^"]*"\/>/g)).toHaveLength(4);

    const strict = await spawnCli([...args, '--fail-on-skip', '--report', tmp()], 120_000).exited;
    expect(strict.code).toBe(3);
    expect(strict.stdout).toMatch(/^FAILED: 1 passed, 0 failed, 4 skipped in /m);
    expect(strict.stdout).toContain('--fail-on-skip: a skipped check fails the run');
  }, 90_000);

  it('with --max-wait above what the long TTL needs, a presence check runs instead of skipping (seen mid-wait, then interrupted)', async () => {
    const server = await startServeChild(['--presence-ttl', LONG_TTL]);
    servers.push(server);
    const dir = tmp();
    const run = spawnCli(['check', '--target', server.url, '--jwt-secret', server.jwtSecret, '--only', 'race.*,presence.no-ghost',
      '--max-wait', '3m', '--report', dir], 120_000);
    await waitForChecksDone(dir, 1);
    // A skip is decided the moment the check starts; two seconds later a skipping run would be over.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(run.child.exitCode).toBe(null);
    run.child.kill('SIGINT');
    const { code } = await run.exited;
    expect(code).toBe(130);
    const report = readJson(join(dir, 'report.json'));
    expect(report).toMatchObject({ maxWaitMs: 180_000, partial: true });
    expect(report.checks.map((c: any) => [c.id, c.status])).toEqual([
      ['race.single-winner', 'passed'],
      ['presence.no-ghost', 'interrupted'],
    ]);
    expect(report.checks[1].durationMs).toBeGreaterThanOrEqual(2_000);
  }, 90_000);

  it('on SIGINT mid-suite stops the running check, writes report.json and junit.xml with what finished and what did not, says where, and exits 130', async () => {
    const dir = tmp();
    const run = spawnCli(['check', '--only', 'race.*,presence.*', '--report', dir], 120_000);
    // race.single-winner is done; presence.no-flicker-on-reconnect (seconds long) is running.
    await waitForChecksDone(dir, 1);
    run.child.kill('SIGINT');
    const { code, stdout, stderr } = await run.exited;
    expect(code).toBe(130);
    expect(stderr).toMatch(/SIGINT: stopping the running check; writing the partial report/);
    expect(stdout).toMatch(/^INTERRUPTED: 1 passed, 0 failed, 0 skipped, 4 interrupted in /m);
    expect(stdout).toContain(`report: ${dir}`);

    const report = readJson(join(dir, 'report.json'));
    expect(report).toMatchObject({ passed: false, partial: true, interrupted: 'interrupted by SIGINT' });
    expect(report.checks.map((c: any) => [c.id, c.status])).toEqual([
      ['race.single-winner', 'passed'],
      ['presence.no-flicker-on-reconnect', 'interrupted'],
      ['presence.offline-once-after-ttl', 'interrupted'],
      ['presence.no-ghost', 'interrupted'],
      ['presence.heartbeat-keeps-online', 'interrupted'],
    ]);
    expect(report.checks[1].reason).toMatch(/^interrupted by SIGINT \d+ ms into the check: no verdict$/);
    for (const check of report.checks.slice(2)) expect(check.reason).toBe('not started: interrupted by SIGINT');

    const junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
    expect(junit).toMatch(/tests="5" failures="0" errors="0" skipped="4"/);
    expect(junit.match(/<testcase /g)).toHaveLength(5);
    expect(junit.match(/<skipped message="interrupted: [^"]+"\/>/g)).toHaveLength(4);
    expect(junit.trimEnd().endsWith('</testsuites>')).toBe(true);
  }, 90_000);
});
