import { afterAll, describe, expect, it } from 'vitest';
import { runChecks, type CheckReport } from '../../src/checks/run-checks.ts';
import { DEFECTS } from '../../reference-server/index.ts';
import { startDelayProxy, type DelayProxy } from '../helpers/delay-proxy.ts';
import { startServeChild, type ChildServer } from './serve-child.ts';

/*
 * A distant target: every chunk held 300 ms each way. The checks size each "nothing arrived"
 * window from the latency they measure on the target (docs/checks.md, absence windows), and send
 * independent steps together: through the proxy the authz group raises no false alarm, and each
 * authz defect still fails it.
 */

const DELAY_MS = 300;
/** The check each authz defect is caught by. */
const CAUGHT_BY: Record<string, string> = {
  'join-first-element': 'authz.hostile-join-payloads',
  'booking-join-no-party-check': 'authz.join-matrix',
  'booking-notice-to-listing-room': 'authz.join-matrix',
  'admin-writes-as-party': 'authz.non-party-writes',
};
const opened: (ChildServer | DelayProxy)[] = [];
afterAll(() => Promise.all(opened.map((o) => o.close())));

const failing = (report: CheckReport) => report.checks.filter((c) => c.status === 'failed' || c.status === 'error');

async function distant(args: string[] = []): Promise<{ url: string; jwtSecret: string }> {
  const server = await startServeChild(args);
  opened.push(server);
  const proxy = await startDelayProxy(server.url, DELAY_MS);
  opened.push(proxy);
  return { url: proxy.url, jwtSecret: server.jwtSecret };
}

describe(`authz through a proxy that adds ${DELAY_MS} ms each way`, () => {
  it('passes on the clean server and fails on every authz defect', async () => {
    const authzDefects = DEFECTS.filter((d) => d.group === 'authz').map((d) => d.name);
    expect(authzDefects.toSorted()).toEqual(Object.keys(CAUGHT_BY).toSorted());
    // Servers one after another (each start is CPU-bound); the runs together (they mostly wait).
    const targets: { defect: string | undefined; url: string; jwtSecret: string }[] = [];
    for (const defect of [undefined, ...authzDefects]) targets.push({ defect, ...(await distant(defect ? ['--defect', defect] : [])) });
    const runs = await Promise.all(
      targets.map(async ({ defect, url, jwtSecret }) => ({ defect, report: await runChecks({ target: url, jwtSecret, only: 'authz.*' }) })),
    );
    const clean = runs.find((r) => !r.defect)!.report;
    expect(failing(clean).map((c) => `${c.id}: ${c.evidence.slice(0, 3).join(' | ')}`)).toEqual([]);
    for (const { defect, report } of runs.filter((r) => r.defect)) {
      const failed = failing(report);
      expect(failed.map((c) => c.id), `${defect}`).toContain(CAUGHT_BY[defect!]);
      for (const c of failed) {
        expect(c.status, `${defect}: ${c.id} fails with evidence, not an error: ${c.evidence.join(' | ')}`).toBe('failed');
        expect(c.evidence.join('\n'), `${defect}: ${c.id} did not time out`).not.toMatch(/did not finish within/);
      }
    }
  }, 120_000);
});
