import { describe, expect, it } from 'vitest';
import { startRun, type RunResult } from '../../src/engine/run.ts';
import checkedMix from './fixtures/checked-mix.ts';
import { VIOLATION_KINDS } from '../../src/checks/violations.ts';

// Issue 14: every `bazaar run` checks the contract online. Each deliberate defect that breaks a
// checked guarantee, run under a small load, produces its violation kind with evidence and no
// other kind; the correct server produces none.

const run = (options: Partial<Parameters<typeof startRun>[0]> = {}) =>
  startRun({ scenario: checkedMix, reportDir: false, ...options });

const violationThreshold = (result: RunResult) => result.thresholds.find((t) => t.key === 'violations');

describe('checked load against the reference server', () => {
  it.each([1, 2])('finds no violation on the correct server (run %i), and passes', async () => {
    const result = await run();
    expect(result.violations).toMatchObject({ checked: true, kinds: [...VIOLATION_KINDS], total: 0, evidence: [] });
    // The load did flow: messages, price changes and status changes were delivered and judged.
    const delivered = result.metrics.latencies.filter((l) => l.name === 'delivery').map((l) => l.tags.event);
    expect(delivered).toEqual(expect.arrayContaining(['message:new', 'listing:priceChanged', 'booking:statusChanged']));
    expect(violationThreshold(result)).toMatchObject({ source: 'count==0', passed: true });
    expect(result.status).toBe('passed');
  }, 60_000);

  it.each([
    { defect: 'async-persist-reorder', kind: 'order', room: /^booking:/, observed: /^seq \d+ (after \d+|again) \(clientMsgId \S+\)$/ },
    { defect: 'broadcast-excludes-sender', kind: 'loss', room: /^booking:/, observed: /^not received within 500 ms/ },
    { defect: 'unordered-price-emits', kind: 'versions', room: /^listing:/, observed: /^listing:priceChanged version \d+$/ },
    { defect: 'dispute-skips-version', kind: 'versions', room: /^booking:/, observed: /^booking:statusChanged version 2$/ },
  ])('$defect: $kind violations with evidence, no other kind, and the run fails', async ({ defect, kind, room, observed }) => {
    const result = await run({ defect });
    expect(Object.keys(result.violations.counts)).toEqual([kind]);
    expect(result.violations.counts[kind]).toBeGreaterThan(0);
    const first = result.violations.evidence[0];
    expect(first).toMatchObject({ kind, room: expect.stringMatching(room), observed: expect.stringMatching(observed) });
    expect(first?.user).toMatch(/\S/);
    expect(first?.connection).toMatch(/\S/);
    expect(first?.expected).toMatch(/\S/);
    expect(first?.atMs).toBeGreaterThanOrEqual(0);
    expect(result.metrics.counters.find((c) => c.key === `violations{kind:${kind}}`)?.value).toBe(result.violations.counts[kind]);
    expect(violationThreshold(result)).toMatchObject({ source: 'count==0', passed: false });
    expect(result.status).toBe('thresholds_failed');
  }, 60_000);

  it('checks nothing with check: false: no violation counted, no default threshold', async () => {
    const result = await run({ defect: 'async-persist-reorder', check: false });
    expect(result.violations).toMatchObject({ checked: false, total: 0 });
    expect(result.metrics.counters.some((c) => c.name === 'violations')).toBe(false);
    expect(violationThreshold(result)).toBeUndefined();
    expect(result.status).toBe('passed');
  }, 60_000);

  it("lets the scenario's own violations threshold replace the default", async () => {
    const lenient = { ...checkedMix, thresholds: { 'violations{kind:loss}': ['count==0'] } };
    const result = await run({ scenario: lenient, defect: 'async-persist-reorder' });
    expect(result.violations.counts.order).toBeGreaterThan(0);
    expect(result.thresholds.map((t) => `${t.key} ${t.source}`)).toEqual(['violations{kind:loss} count==0']);
    expect(result.status).toBe('passed');
  }, 60_000);
});
