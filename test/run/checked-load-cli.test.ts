import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnCli } from './cli-helpers.ts';

// Issue 14 from the command line: a correctness failure fails the run with exit 99 even when
// latency is fine; --no-check turns the checking off. (--allow-saturated: a busy CI machine's
// generator health is not what these tests judge.)

const FIXTURE = new URL('./fixtures/checked-mix.ts', import.meta.url).pathname;
const tmp = () => mkdtempSync(join(tmpdir(), 'bazaar-checked-'));

describe('bazaar run --defect / --no-check (the real CLI)', () => {
  it('exits 99 on a defect that reorders messages, printing the violations and writing their evidence', async () => {
    const dir = tmp();
    const { code, stdout } = await spawnCli(['run', FIXTURE, '--defect', 'async-persist-reorder', '--report', dir, '--allow-saturated']).exited;
    expect(code).toBe(99);
    expect(stdout).toMatch(/CONTRACT VIOLATED under load: [\d,]+ violations \(order [\d,]+\)/);
    expect(stdout).toMatch(/^Violations$/m);
    expect(stdout).toMatch(/^ {2}order: \S+ \(socket \S+\) in booking:\S+ at \+\d+ ms: expected seq > \d+, observed seq \d+/m);
    expect(stdout).toMatch(/✗\s+violations\s+count==0/);
    const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
    expect(result.violations).toMatchObject({ checked: true, counts: { order: expect.any(Number) } });
    expect(result.violations.evidence[0]).toMatchObject({ kind: 'order', room: expect.stringMatching(/^booking:/) });
  }, 90_000);

  it('with --no-check, checks nothing and passes against the same defect', async () => {
    const { code, stdout } = await spawnCli(['run', FIXTURE, '--defect', 'async-persist-reorder', '--no-check', '--report', tmp(), '--allow-saturated']).exited;
    expect(code).toBe(0);
    expect(stdout).toMatch(/Violations\n {2}not checked \(--no-check\)/);
    expect(stdout).not.toMatch(/violations\s+count==0/);
  }, 90_000);

  it('exits 2 for an unknown defect, naming the known ones', async () => {
    const { code, stderr } = await spawnCli(['run', FIXTURE, '--defect', 'no-such-defect', '--report', tmp()]).exited;
    expect(code).toBe(2);
    expect(stderr).toMatch(/no defect "no-such-defect"/);
    expect(stderr).toMatch(/async-persist-reorder/);
  }, 60_000);
});
