import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startRun, type RunOptions } from '../../src/engine/run.ts';
import { startEmbeddedServer, type EmbeddedServer } from '../../src/lab/embedded-server.ts';

// Issue 15: the lean client is WebSocket only. A run spread over workers or agents refuses it over
// long-polling up front, as a run in one process does: no server started, no world seeded, no
// worker forked, no agent waited for (each worker would otherwise fail alone, after all that).

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}.ts`, import.meta.url));

function watched(options: Partial<RunOptions>) {
  const seen = { notices: [] as string[], workersStarted: false };
  const run = startRun({
    scenario: fixture('worker-chat'),
    reportDir: false,
    onNotice: (notice) => seen.notices.push(notice),
    onWorkersStarted: () => (seen.workersStarted = true),
    ...options,
  } as RunOptions);
  return { run, seen };
}

const refusal = { code: 'BAZAAR_BAD_OPTIONS', message: expect.stringMatching(/lean client speaks WebSocket only, and the transport asked for is (polling|mixed)/) };

describe('--client lean over long-polling, spread over processes', () => {
  it.each(['polling', 'mixed'] as const)('over workers (--transport %s): refused before the server starts or a worker is forked', async (transport) => {
    const { run, seen } = watched({ workers: 2, client: 'lean', transport });
    await expect(run).rejects.toMatchObject(refusal);
    expect(seen.workersStarted).toBe(false);
    expect(seen.notices).toEqual([]); // not even "seeding the world"
  });

  it('over workers, when the scenario itself asks for the lean client', async () => {
    const { run, seen } = watched({ scenario: fixture('lean-chat'), workers: 2, transport: 'polling' });
    await expect(run).rejects.toMatchObject(refusal);
    expect(seen.workersStarted).toBe(false);
  });

  it('over agents: refused before reaching the coordinator Redis or waiting for an agent', async () => {
    // Nothing listens on port 1: a run that went on would fail on Redis or on the wait, not with this.
    const { run, seen } = watched({ agents: { count: 2, redisUrl: 'redis://127.0.0.1:1', waitForAgentsMs: 1_000 }, client: 'lean', transport: 'polling' });
    await expect(run).rejects.toMatchObject(refusal);
    expect(seen.notices).toEqual([]);
  });

  it('still runs the lean client over workers with WebSocket (the rule refuses only polling)', async () => {
    const { run } = watched({ scenario: fixture('lean-chat'), workers: 2 });
    const result = await run;
    expect(result.status).toBe('passed');
    expect(result.conditions?.client).toBe('lean');
  }, 60_000);
});

describe('the lean client heartbeats over workers (issue 15: idle heartbeating users)', () => {
  // Presence in seconds: a user whose heartbeats did not reach the server would lapse within the run.
  const SHORT_PRESENCE = { presenceTtlMs: 1_500, presenceHeartbeatMs: 300, presenceSweepMs: 200 };
  let server: EmbeddedServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  const runPresence = async (defect?: string) => {
    server = await startEmbeddedServer({ ...SHORT_PRESENCE, ...(defect ? { defect } : {}) });
    return startRun({ scenario: fixture('checked-presence'), workers: 2, client: 'lean', target: server.url, jwtSecret: server.jwtSecret, reportDir: false });
  };

  it('keeps heartbeating users present: no presence violation on the correct server', async () => {
    const result = await runPresence();
    expect(result.conditions?.client).toBe('lean');
    expect(result.violations).toMatchObject({ checked: true, total: 0 });
    expect(result.status).toBe('passed');
  }, 60_000);

  it('and the same run sees a server whose heartbeats do not refresh presence (flicker)', async () => {
    const result = await runPresence('heartbeat-not-refreshing');
    expect(result.violations.counts.presence).toBeGreaterThan(0);
    expect(result.violations.evidence.some((v) => /\(flicker\)$/.test(v.observed))).toBe(true);
  }, 60_000);
});
