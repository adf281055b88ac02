import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareRuns, parseGate, parseRecordedRun, renderComparisonMarkdown, renderComparisonText, type RecordedRun } from '../../src/compare/index.ts';
import { decodeHistogram } from '../../src/metrics/index.ts';

/* Three real runs of booking-chat against one embedded server (test/compare/record-fixtures.ts):
 * base and same straight to it (no change), slow through a proxy adding 25 ms each way (a regression). */
const fixture = (name: string): RecordedRun => parseRecordedRun(JSON.parse(readFileSync(new URL(`fixtures/${name}.json`, import.meta.url), 'utf8')), name);
const base = fixture('base');
const same = fixture('same');
const slow = fixture('slow');
const SEND = 'ack{event:message:send}';
const gates = () => [`${SEND} p(95) > +20ms`, `${SEND} p(95) > +100%`, 'violations count > 0', 'ack_timeouts count > 0'].map(parseGate);

describe('bazaar compare on recorded runs', () => {
  it('fails the gates on the known regression, naming the change', () => {
    const comparison = compareRuns(base, slow, gates());
    expect(comparison.comparable).toBe(true);
    expect(comparison.gatesPassed).toBe(false);
    expect(comparison.gates.map((g) => g.passed)).toEqual([false, false, true, true]);
    // 25 ms each way: a send's round trip is at least 50 ms slower.
    expect(comparison.gates[0]!.observed).toBeGreaterThan(40);
    const send = comparison.latencies.find((s) => s.key === SEND)!;
    expect(send.stats.p50Us.delta).toBeGreaterThan(40_000);
    expect(send.count.delta).toBe(0);
    expect(renderComparisonText(comparison)).toMatch(/REGRESSION: 2 of 4 gates passed/);
  });

  it('passes the same gates on the known no-change pair', () => {
    const comparison = compareRuns(base, same, gates());
    expect(comparison).toMatchObject({ comparable: true, gatesPassed: true });
    expect(renderComparisonText(comparison)).toMatch(/NO REGRESSION: 4 of 4 gates passed/);
  });

  it('takes every percentile from the full encoded distribution', () => {
    const comparison = compareRuns(base, slow);
    for (const [run, side] of [[base, 'base'], [slow, 'current']] as const) {
      const histogram = decodeHistogram(run.metrics.latencies.find((s) => s.key === SEND)!.histogram);
      const stats = comparison.latencies.find((s) => s.key === SEND)!.stats;
      expect(stats.p90Us[side]).toBe(histogram.getValueAtPercentile(90));
      expect(stats.p99Us[side]).toBe(histogram.getValueAtPercentile(99));
    }
    // Every series of either run has a row; the generator's own schedule lag is not the target's.
    const keys = comparison.latencies.map((s) => s.key);
    expect(keys).toEqual(expect.arrayContaining(base.metrics.latencies.map((s) => s.key).filter((k) => !k.startsWith('schedule_lag'))));
    expect(keys.some((k) => k.startsWith('schedule_lag'))).toBe(false);
    expect(comparison.counters.map((c) => c.key)).toEqual(expect.arrayContaining(['iterations{group:default}']));
  });

  it.each([
    ['another scenario', { scenario: 'smoke' }, /scenario: "booking-chat" in the baseline, "smoke" now/],
    ['another scale', { conditions: { ...slow.conditions!, scale: 0.5 }, schedule: { default: 'ramping-arrival-rate 5→50/s over 4s' } }, /scale: 0.2 in the baseline, 0.5 now/],
    ['another client', { conditions: { ...slow.conditions!, client: 'lean' } }, /client: socket\.io-client in the baseline, lean now/],
    ['another target kind', { embedded: true }, /target kind: an external target in the baseline, the embedded reference server now/],
    ['a saturated generator', { generator: { ...slow.generator, saturated: true } }, /current run's load generator was saturated/],
    ['a partial run', { partial: true, status: 'interrupted' }, /current run is partial \(interrupted\)/],
    ['faults injected', { conditions: { ...slow.conditions!, faults: ['kill-node 1 at 2s'] } }, /faults: none in the baseline, \["kill-node 1 at 2s"\] now/],
  ])('says when two runs are not comparable: %s', (_, change, reason) => {
    const comparison = compareRuns(base, { ...slow, ...change } as RecordedRun, gates());
    expect(comparison.comparable).toBe(false);
    expect(comparison.differences.join('\n')).toMatch(reason);
    const text = renderComparisonText(comparison);
    expect(text).toMatch(/NOT COMPARABLE: .* a gate verdict is no evidence of a regression, nor of its absence/);
    expect(text).toMatch(/\(NOT COMPARABLE runs: see above\)/);
  });

  it('renders markdown tables for summary.md and CI summaries', () => {
    const md = renderComparisonMarkdown(compareRuns(base, slow, gates()), '##');
    expect(md).toMatch(/^## bazaar compare: booking-chat against its baseline/);
    expect(md).toMatch(/### Latency\n\n\| series \| stat \| baseline \| current \| change \| change % \|/);
    expect(md).toMatch(/\| ✗ \| ack\{event:message:send\} p\(95\) > \+20ms \|/);
  });

  it('refuses a check report or a file without metrics, saying what it is', () => {
    expect(() => parseRecordedRun({ checks: [] }, 'report.json')).toThrow(/report.json is a check report, not a run result/);
    expect(() => parseRecordedRun({ scenario: 's' }, 'x.json')).toThrow(/has no startedAt, generator, metrics/);
  });
});
