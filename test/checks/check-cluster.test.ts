import { expect, it } from 'vitest';
import { runChecks } from '../../src/checks/run-checks.ts';

// The whole suite against three reference nodes on Redis behind the sticky entry, started for
// the purpose (a throwaway redis-server unless REDIS_URL is set): the contract holds on four
// servers as on one. The classic adapter keeps no sessions, so recovery.* is skipped, saying so
// (test/cluster/recovery.test.ts runs it against the streams adapter).
it('passes every check against a 3-node reference cluster', async () => {
  const report = await runChecks({ nodes: 3 });
  expect(report.nodes).toBe(3);
  const isRecovery = (id: string) => id.startsWith('recovery.') || id.startsWith('security.recovery.');
  const recovery = report.checks.filter((c) => isRecovery(c.id));
  expect(recovery.map((c) => [c.id, c.status, c.evidence])).toEqual([
    ['recovery.session-handover', 'skipped', [expect.stringMatching(/^the target has no connection state recovery: its CONNECT answer carries no pid/)]],
    ['security.recovery.expired-token-resume', 'skipped', [expect.stringMatching(/^the target has no connection state recovery: its CONNECT answer carries no pid/)]],
  ]);
  // Not applicable: what the contract's dialect does not have (a cookie session, RS256 keys, a logout).
  const others = report.checks.filter((c) => !isRecovery(c.id));
  expect(others.filter((c) => c.status !== 'passed' && c.status !== 'not-applicable').map((c) => `${c.id}: ${c.status} ${c.evidence.slice(0, 2).join(' | ')}`)).toEqual([]);
}, 180_000);
