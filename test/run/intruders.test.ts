import { describe, expect, it } from 'vitest';
import { startRun } from '../../src/engine/run.ts';
import { defineScenario } from '../../src/index.ts';
import intruderMix from './fixtures/intruder-mix.ts';

// Issue 14: authorization checked under load. Intruders mixed into the load try every forbidden
// door (plain and hostile payloads); every event every user receives is judged against who may
// receive it. Each authorization defect of the reference server produces its kind with evidence
// and no other kind; the correct server produces none.

const run = (options: Partial<Parameters<typeof startRun>[0]> = {}) => startRun({ scenario: intruderMix, reportDir: false, ...options });

describe('intruders against the reference server', () => {
  it.each([1, 2, 3])('the correct server refuses every attempt and leaks nothing (run %i)', async () => {
    const result = await run();
    expect(result.violations).toMatchObject({ checked: true, total: 0, evidence: [] });
    expect(result.violations.kinds).toEqual(expect.arrayContaining(['authz-leak', 'authz-write']));
    const counter = (name: string) => result.metrics.counters.filter((c) => c.name === name);
    // Every action was tried in both shapes, and every acked attempt was refused.
    const attempts = counter('intruder_attempts');
    expect(attempts.map((c) => `${c.tags.action}/${c.tags.shape}`).sort()).toEqual(
      ['join', 'read', 'send', 'typing', 'watch'].flatMap((a) => [`${a}/hostile`, `${a}/plain`]),
    );
    for (const refusals of counter('intruder_refusals')) {
      expect(refusals.value).toBe(attempts.find((a) => a.key === refusals.key.replace('intruder_refusals', 'intruder_attempts'))?.value);
    }
    expect(result.status).toBe('passed');
  }, 60_000);

  it.each([
    { defect: 'join-first-element', kind: 'authz-leak', room: /^listing:/, observed: /not entitled to listing:\S+: listing:priceChanged/ },
    { defect: 'booking-join-no-party-check', kind: 'authz-leak', room: /^booking:/, observed: /answered \{"ok":true\}|not entitled to booking:/ },
    { defect: 'booking-notice-to-listing-room', kind: 'authz-leak', room: /^user:/, observed: /^received by shopper\d+ \(buyer\): notification / },
    { defect: 'admin-writes-as-party', kind: 'authz-write', room: /^booking:/, observed: /non-party intruder|answered \{"ok":true,"message"/ },
  ])('$defect: $kind with evidence, no other kind, and the run fails', async ({ defect, kind, room, observed }) => {
    const result = await run({ defect });
    expect(Object.keys(result.violations.counts)).toEqual([kind]);
    const first = result.violations.evidence[0];
    expect(first).toMatchObject({ kind, room: expect.stringMatching(room), observed: expect.stringMatching(observed) });
    expect(first?.user).toMatch(/\S/);
    expect(first?.connection).toMatch(/\S/);
    expect(first?.expected).toMatch(/ only |refused/);
    expect(result.metrics.counters.find((c) => c.key === `violations{kind:${kind}}`)?.value).toBe(result.violations.counts[kind]);
    expect(result.status).toBe('thresholds_failed');
  }, 60_000);

  it('an actor group with role "intruder" is played by the harness, at its own executor', async () => {
    const { intruders: _shorthand, ...rest } = intruderMix;
    const scenario = defineScenario({
      ...rest,
      actors: {
        ...intruderMix.groups,
        snoops: { role: 'intruder', attempts: 2, executor: { type: 'per-vu-iterations', vus: 3, iterations: 2 } },
      },
    });
    const result = await run({ scenario, defect: 'booking-join-no-party-check' });
    const attempts = result.metrics.counters.filter((c) => c.name === 'intruder_attempts').reduce((sum, c) => sum + c.value, 0);
    expect(attempts).toBe(3 * 2 * 2);
    expect(result.metrics.counters.find((c) => c.key === 'iterations{group:snoops}')?.value).toBe(6);
    expect(Object.keys(result.violations.counts)).toEqual(['authz-leak']);
  }, 60_000);

  it('refuses an intruder group that brings its own iteration, and a bad rate', () => {
    expect(() => defineScenario({
      actors: { x: { role: 'intruder', executor: { type: 'constant-vus', vus: 1, duration: '1s' }, iteration: async () => {} } as never },
    })).toThrow(/role 'intruder' and an iteration/);
    expect(() => defineScenario({ ...intruderMix, actors: intruderMix.groups, intruders: { rate: 0 } })).toThrow(/intruders.rate must be/);
  });
});
