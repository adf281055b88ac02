import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { renderRunJunit } from '../../src/report/junit.ts';
import type { RunResultForReport } from '../../src/report/summary.ts';
import { findAll, junitProblems, parseXml } from '../helpers/xml.ts';
import { spawnCli } from '../run/cli-helpers.ts';

const FIXTURE = new URL('../run/fixtures/checked-mix.ts', import.meta.url).pathname;
const tmp = () => mkdtempSync(join(tmpdir(), 'bazaar-junit-'));

const result = (over: Partial<RunResultForReport> = {}): RunResultForReport => ({
  scenario: 'chat <"&">',
  target: 'http://127.0.0.1:1',
  startedAt: '2026-01-01T00:00:00.000Z',
  durationMs: 1500,
  partial: false,
  status: 'passed',
  generator: { saturated: false, loopDelayP99Ms: 3, cpuPercent: 10 },
  thresholds: [{ key: 'ack{event:message:send}', source: 'p(95)<150ms', passed: true, observed: 2, unit: 'ms' }],
  metrics: { latencies: [], counters: [] },
  violations: { checked: true, kinds: ['order', 'loss'], total: 0, counts: {}, evidence: [], evidencePerKind: 10 },
  ...over,
});

describe('junit.xml of a run', () => {
  it('holds one passing testcase per threshold, violation kind and the generator when all is well', () => {
    const root = parseXml(renderRunJunit(result()));
    expect(junitProblems(root)).toEqual([]);
    expect(findAll(root, 'testsuite')[0]!.attributes).toMatchObject({ name: 'bazaar run chat <"&">', tests: '4', failures: '0' });
    expect(findAll(root, 'testcase').map((c) => `${c.attributes.classname} ${c.attributes.name}`)).toEqual([
      'bazaar.thresholds ack{event:message:send} p(95)<150ms',
      'bazaar.violations no order violations under load',
      'bazaar.violations no loss violations under load',
      'bazaar.generator load generator not saturated',
    ]);
    expect(findAll(root, 'failure')).toEqual([]);
  });

  it('fails what failed, with messages', () => {
    const root = parseXml(renderRunJunit(result({
      status: 'thresholds_failed',
      generator: { saturated: true, loopDelayP99Ms: 250, cpuPercent: 99 },
      thresholds: [{ key: 'errors', source: 'count==0', passed: false, observed: 3, unit: 'none' }],
      violations: {
        checked: true, kinds: ['order'], total: 1, counts: { order: 1 }, evidencePerKind: 10,
        evidence: [{ kind: 'order', user: 'u1', connection: 'c1', room: 'booking:b1', expected: 'seq > 4', observed: 'seq 3', atMs: 12 }],
      },
    })));
    expect(junitProblems(root)).toEqual([]);
    expect(findAll(root, 'failure').map((f) => f.attributes.message)).toEqual([
      'errors count==0 failed: observed 3',
      '1 order violation: order: u1 (socket c1) in booking:b1 at +12 ms: expected seq > 4, observed seq 3',
      expect.stringMatching(/^the load generator was saturated \(event-loop delay p99 250 ms/),
    ]);
  });
});

describe('bazaar run writes junit.xml and the GitHub step summary (the real CLI)', () => {
  afterEach(() => {
    delete process.env.GITHUB_STEP_SUMMARY;
  });

  it('on a defect that reorders and a threshold that cannot hold: failing testcases for both, the summary appended', async () => {
    const dir = tmp();
    const stepSummary = join(tmp(), 'step-summary.md');
    writeFileSync(stepSummary, 'an earlier step wrote this\n');
    process.env.GITHUB_STEP_SUMMARY = stepSummary;
    const { code } = await spawnCli(['run', FIXTURE, '--defect', 'async-persist-reorder', '--report', dir, '--allow-saturated', '--no-progress',
      '--threshold', 'ack{event:message:send} p(95)<1us']).exited;
    expect(code).toBe(99);
    const root = parseXml(readFileSync(join(dir, 'junit.xml'), 'utf8'));
    expect(junitProblems(root)).toEqual([]);
    const failed = findAll(root, 'testcase').filter((c) => c.children.some((x) => x.name === 'failure'));
    expect(failed.map((c) => c.attributes.name)).toEqual(expect.arrayContaining(['ack{event:message:send} p(95)<1us', 'no order violations under load']));
    const orderFailure = failed.find((c) => c.attributes.name === 'no order violations under load')!.children[0]!;
    expect(orderFailure.attributes.message).toMatch(/^\d+ order violations?: order: \S+ \(socket \S+\) in booking:\S+/);

    const summary = readFileSync(stepSummary, 'utf8');
    expect(summary.startsWith('an earlier step wrote this\n')).toBe(true);
    expect(summary).toContain(readFileSync(join(dir, 'summary.md'), 'utf8'));
    expect(summary).toMatch(/# bazaar run: checked-mix[\s\S]*CONTRACT VIOLATED under load/);
  }, 90_000);
});
