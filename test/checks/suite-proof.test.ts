import { describe, expect, it } from 'vitest';
import { DEFECTS } from '../../reference-server/index.ts';
import { runChecks, type CheckReport } from '../../src/checks/run-checks.ts';
import { ALL_CHECKS, CHECK_GROUPS } from '../../src/checks/suite.ts';
import { runBounded } from '../../src/engine/pool.ts';
import { startServeChild } from './serve-child.ts';

const groupOf = (id: string) => id.split('.')[0] as string;
const failedOf = (report: CheckReport) => report.checks.filter((c) => c.status === 'failed' || c.status === 'error');
const describeFailures = (report: CheckReport) => failedOf(report).map((c) => `${c.id}: ${c.evidence.slice(0, 3).join(' | ')}`);

/** Three defects at a time, each against its own server process: the suite is ~20 s per run. */
const CONCURRENT_DEFECTS = 3;

describe('the check suite is proven by deliberate defects', () => {
  it('has checks in every group, unique ids, and a defect for every group', () => {
    for (const group of CHECK_GROUPS) {
      expect(ALL_CHECKS.some((c) => groupOf(c.id) === group), `checks in ${group}`).toBe(true);
      expect(DEFECTS.some((d) => d.group === group), `a defect for ${group}`).toBe(true);
    }
    expect(new Set(ALL_CHECKS.map((c) => c.id)).size).toBe(ALL_CHECKS.length);
    expect(new Set(DEFECTS.map((d) => d.name)).size).toBe(DEFECTS.length);
  });

  // False alarms are defects too: the whole suite, several times, against the clean server.
  it('passes every check on the clean reference server, three runs in a row', async () => {
    for (let run = 1; run <= 3; run++) {
      const report = await runChecks();
      expect(describeFailures(report), `clean run ${run}`).toEqual([]);
      expect(report.checks).toHaveLength(ALL_CHECKS.length);
    }
  }, 240_000);

  // For every defect: the whole suite runs; the defect's own group fails with evidence and a
  // guarantee, and no other group fails.
  it(`fails each defect's own group, and only that group (${DEFECTS.length} defects)`, async () => {
    const verdicts = await runBounded(DEFECTS.length, CONCURRENT_DEFECTS, async (i) => {
      const defect = DEFECTS[i]!;
      const server = await startServeChild(['--defect', defect.name]);
      try {
        const report = await runChecks({ target: server.url, jwtSecret: server.jwtSecret });
        const failed = failedOf(report);
        const problems: string[] = [];
        if (!failed.some((c) => groupOf(c.id) === defect.group)) problems.push(`no ${defect.group}.* check failed`);
        // A defect that crashes the server (robustness, security) leaves the checks after the
        // crash no server: those could not run (error), which is no verdict on another group.
        const crashedAt = report.checks.findIndex((c) => groupOf(c.id) === defect.group && c.evidence.some((line) => /the server stopped answering/.test(line)));
        const afterCrash = (c: (typeof failed)[number]) => crashedAt >= 0 && report.checks.indexOf(c) > crashedAt && c.status === 'error';
        for (const c of failed) {
          if (afterCrash(c)) continue;
          if (groupOf(c.id) !== defect.group) problems.push(`unrelated ${c.id} failed: ${c.evidence.slice(0, 2).join(' | ')}`);
          if (c.evidence.length === 0) problems.push(`${c.id} failed without evidence`);
          if (!c.guarantee) problems.push(`${c.id} names no guarantee`);
        }
        return problems.map((p) => `${defect.name}: ${p}`);
      } finally {
        await server.close();
      }
    });
    expect(verdicts.flat()).toEqual([]);
  }, 900_000);
});
