import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { spawnCli } from '../run/cli-helpers.ts';

const fixture = (name: string) => fileURLToPath(new URL(`fixtures/${name}.json`, import.meta.url));
const GATE = 'ack{event:message:send} p(95) > +20ms';

describe('bazaar compare (the real CLI)', () => {
  it('exits 99 on the recorded regression and prints the table', async () => {
    const { code, stdout } = await spawnCli(['compare', fixture('base'), fixture('slow'), '--fail-if', GATE, 'violations count > 0']).exited;
    expect(code).toBe(99);
    expect(stdout).toMatch(/ack\{event:message:send\}\s+count\s+248\s+248/);
    expect(stdout).toMatch(/✗\s+ack\{event:message:send\} p\(95\) > \+20ms/);
    expect(stdout).toMatch(/REGRESSION: 1 of 2 gates passed/);
  });

  it('exits 0 on the recorded no-change pair', async () => {
    const { code, stdout } = await spawnCli(['compare', fixture('base'), fixture('same'), '--fail-if', GATE]).exited;
    expect(code).toBe(0);
    expect(stdout).toMatch(/NO REGRESSION: 1 of 1 gates passed/);
  });

  it('exits 2 on a mistyped gate or a missing result, saying what to do', async () => {
    const typo = await spawnCli(['compare', fixture('base'), fixture('same'), '--fail-if', 'ack p95 > +10%']).exited;
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/'p95' is not a statistic/);
    const missing = await spawnCli(['compare', '/nonexistent/run', fixture('same')]).exited;
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no run result at \/nonexistent\/run[\s\S]*what to do: pass a report folder/);
  });

  it('run --baseline compares at the end, in the output and in summary.md, and fails a tripped gate', async () => {
    const base = mkdtempSync(join(tmpdir(), 'bazaar-base-'));
    expect((await spawnCli(['run', 'smoke', '--report', base, '--no-progress']).exited).code).toBe(0);
    const current = mkdtempSync(join(tmpdir(), 'bazaar-current-'));
    // smoke runs 2 iterations each time: "no change in iterations" holds, so this gate trips for certain.
    const { code, stdout } = await spawnCli(['run', 'smoke', '--report', current, '--no-progress', '--baseline', base,
      '--fail-if', 'iterations count >= +0%', 'violations count > 0']).exited;
    expect(code).toBe(99);
    expect(stdout).toMatch(/PASSED: 5 of 5 thresholds passed/);
    expect(stdout).toMatch(/bazaar compare: smoke against its baseline/);
    expect(stdout).toMatch(/REGRESSION: 1 of 2 gates passed/);
    const summary = readFileSync(join(current, 'summary.md'), 'utf8');
    expect(summary).toMatch(/## bazaar compare: smoke against its baseline[\s\S]*### Gates/);
  });

  it('run refuses --fail-if without --baseline before any load', async () => {
    const { code, stderr } = await spawnCli(['run', 'smoke', '--fail-if', 'violations count > 0']).exited;
    expect(code).toBe(2);
    expect(stderr).toMatch(/add --baseline DIR/);
  });
});
