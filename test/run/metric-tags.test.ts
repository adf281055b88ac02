import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { METRICS } from '../../src/client/sink.ts';
import { startRun } from '../../src/engine/run.ts';

describe('threshold tags against a real run', () => {
  it('reports a tag value no series carried as "never observed" in result.json and summary.md', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bazaar-tags-'));
    const result = await startRun({
      scenario: 'smoke',
      reportDir: dir,
      thresholds: ['errors{code:internl} count==0', 'ack{event:message:send} p(95)<10s'],
    });
    const typo = result.thresholds.find((t) => t.key === 'errors{code:internl}');
    // Zero is what was observed there, so count==0 passes, as k6 would; the report says why.
    expect(typo).toMatchObject({ passed: true, observed: 0, neverObserved: ['code:internl'] });
    expect(result.thresholds.find((t) => t.key === 'ack{event:message:send}')).not.toHaveProperty('neverObserved');
    const json = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
    expect(json.thresholds.find((t: { key: string }) => t.key === 'errors{code:internl}').neverObserved).toEqual(['code:internl']);
    expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toMatch(/errors\{code:internl\}.*never observed: code:internl/);
  }, 60_000);

  it('every series a run records carries only the tag keys its metric declares (src/client/sink.ts METRICS)', async () => {
    const result = await startRun({ scenario: 'smoke', reportDir: false });
    const series = [...result.metrics.latencies, ...result.metrics.counters];
    expect(series.length).toBeGreaterThan(5);
    const undeclared = series
      .filter((s) => !Object.hasOwn(METRICS, s.name)
        || Object.keys(s.tags).some((tag) => !(METRICS[s.name as keyof typeof METRICS].tags as readonly string[]).includes(tag)))
      .map((s) => s.key);
    expect(undeclared).toEqual([]);
  }, 60_000);
});
