import { describe, expect, it } from 'vitest';
import { spawnCli } from '../run/cli-helpers.ts';

// Issue 9: `--fault` mistakes and faults that cannot apply are refused before any load, by the real CLI.

describe('bazaar run --fault', () => {
  it('refuses a fault it cannot read, naming the kinds', async () => {
    const { code, stderr } = await spawnCli(['run', 'smoke', '--fault', 'explode-node 1 at 2s']).exited;
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/"explode-node" is no fault kind/);
    expect(stderr).toMatch(/kill-node, drain-node/);
  });

  it('against --target, refuses a server-side fault and says which ones apply', async () => {
    const { code, stderr } = await spawnCli(['run', 'smoke', '--target', 'http://127.0.0.1:9', '--jwt-secret', 's', '--fault', 'kill-node 1 at 1s']).exited;
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/acts on the server side/);
    expect(stderr).toMatch(/only slow-consumers and network faults on the entry link apply/);
  });

  it('refuses a Redis fault on a Redis it did not start', async () => {
    const { code, stderr } = await spawnCli(['run', 'smoke', '--nodes', '2', '--redis', 'redis://127.0.0.1:6379', '--fault', 'restart-redis at 1s']).exited;
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/would act on a Redis bazaar did not start/);
  });
});
