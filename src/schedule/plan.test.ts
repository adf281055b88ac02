import { describe, expect, it } from 'vitest';
import { BazaarError } from '../errors.ts';
import { DEFAULT_MAX_VUS_CAP, parseStage, planSchedule } from './plan.ts';

describe('planSchedule normalizes each executor', () => {
  it.each([
    [
      { type: 'constant-vus', vus: 10, duration: '30s' },
      { model: 'closed', type: 'constant-vus', durationMs: 30_000, maxVUs: 10, preAllocatedVUs: 10 },
    ],
    [
      { type: 'ramping-vus', startVUs: 0, stages: [{ target: 50, duration: '30s' }, { target: 0, duration: '10s' }] },
      { model: 'closed', type: 'ramping-vus', durationMs: 40_000, maxVUs: 50, gracefulRampDownMs: 30_000 },
    ],
    [
      { type: 'per-vu-iterations', vus: 5, iterations: 20 },
      { model: 'closed', type: 'per-vu-iterations', durationMs: 600_000, maxVUs: 5, iterationsPerVu: 20 },
    ],
    [
      { type: 'constant-arrival-rate', rate: 10, duration: '10s' },
      { model: 'open', type: 'constant-arrival-rate', durationMs: 10_000, timeUnitMs: 1_000, peakRatePerSec: 10, preAllocatedVUs: 10, maxVUs: 100 },
    ],
    [
      { type: 'constant-arrival-rate', rate: 30, timeUnit: '1m', duration: '2m', preAllocatedVUs: 2, maxVUs: 4 },
      { model: 'open', durationMs: 120_000, timeUnitMs: 60_000, peakRatePerSec: 0.5, preAllocatedVUs: 2, maxVUs: 4 },
    ],
    [
      // k6's compound durations
      { type: 'ramping-vus', stages: [{ target: 5, duration: '1m30s' }], gracefulRampDown: '1h' },
      { model: 'closed', type: 'ramping-vus', durationMs: 90_000, maxVUs: 5, gracefulRampDownMs: 3_600_000 },
    ],
    [
      { type: 'ramping-arrival-rate', stages: [{ target: 200, duration: '30s' }] },
      { model: 'open', type: 'ramping-arrival-rate', durationMs: 30_000, peakRatePerSec: 200, preAllocatedVUs: 200, maxVUs: 2_000 },
    ],
  ])('%j', (config, expected) => {
    expect(planSchedule(config)).toMatchObject(expected);
  });

  it('keeps the stages as back-to-back segments, starting from startVUs / startRate', () => {
    const plan = planSchedule({
      type: 'ramping-arrival-rate', startRate: 5, stages: [{ target: 20, duration: '2s' }, { target: 20, duration: '0s' }, { target: 0, duration: '1.5s' }],
    });
    expect(plan.segments).toEqual([
      { startMs: 0, durationMs: 2_000, from: 5, to: 20 },
      { startMs: 2_000, durationMs: 0, from: 20, to: 20 },
      { startMs: 2_000, durationMs: 1_500, from: 20, to: 0 },
    ]);
  });
});

describe('planSchedule defaults (k6 where k6 has one)', () => {
  it.each([
    ['ramping-vus starts at 1 VU', { type: 'ramping-vus', stages: [{ target: 3, duration: '3s' }] }, { segments: [{ startMs: 0, durationMs: 3_000, from: 1, to: 3 }] }],
    ['gracefulRampDown is 30s', { type: 'ramping-vus', stages: [{ target: 3, duration: '3s' }] }, { gracefulRampDownMs: 30_000 }],
    ['gracefulRampDown may be 0', { type: 'ramping-vus', stages: [{ target: 3, duration: '3s' }], gracefulRampDown: '0s' }, { gracefulRampDownMs: 0 }],
    ['maxDuration is 10m', { type: 'per-vu-iterations', vus: 1, iterations: 1 }, { durationMs: 600_000 }],
    ['timeUnit is 1s', { type: 'constant-arrival-rate', rate: 3, duration: '1s' }, { timeUnitMs: 1_000 }],
    ['startRate is 0', { type: 'ramping-arrival-rate', stages: [{ target: 3, duration: '1s' }] }, { segments: [{ startMs: 0, durationMs: 1_000, from: 0, to: 3 }] }],
    ['maxVUs grows with preAllocatedVUs', { type: 'constant-arrival-rate', rate: 10, duration: '1s', preAllocatedVUs: 500 }, { preAllocatedVUs: 500, maxVUs: 500 }],
    ['preAllocatedVUs shrinks to maxVUs', { type: 'constant-arrival-rate', rate: 10, duration: '1s', maxVUs: 4 }, { preAllocatedVUs: 4, maxVUs: 4 }],
    ['maxVUs is capped', { type: 'constant-arrival-rate', rate: 5_000, duration: '1s' }, { preAllocatedVUs: 5_000, maxVUs: DEFAULT_MAX_VUS_CAP }],
    ['slow rates still get a VU', { type: 'constant-arrival-rate', rate: 1, timeUnit: '1h', duration: '1h' }, { preAllocatedVUs: 1, maxVUs: 1 }],
    ['the peak, not the start, sizes the pool', { type: 'ramping-arrival-rate', startRate: 50, stages: [{ target: 0, duration: '1s' }] }, { preAllocatedVUs: 50, maxVUs: 500 }],
    ['an arrival that finds every VU busy is dropped', { type: 'constant-arrival-rate', rate: 3, duration: '1s' }, { whenVUsBusy: 'drop' }],
    ['or queued when asked', { type: 'ramping-arrival-rate', stages: [{ target: 3, duration: '1s' }], whenVUsBusy: 'queue' }, { whenVUsBusy: 'queue' }],
  ])('%s', (_name, config, expected) => {
    expect(planSchedule(config)).toMatchObject(expected);
  });
});

describe('planSchedule rejects bad configs, naming the field', () => {
  const ramp = (stages: unknown, extra: object = {}) => ({ type: 'ramping-arrival-rate', stages, ...extra });
  it.each([
    ['not an object', 'ramping-vus', /^executor must be an object/, /type: 'ramping-arrival-rate'/],
    ['no type', { vus: 1, duration: '1s' }, /^executor\.type is missing$/, /constant-vus, ramping-vus, constant-arrival-rate, ramping-arrival-rate, per-vu-iterations/],
    ['k6 spelling', { executor: 'ramping-vus', stages: [] }, /^executor has no type \(found executor: "ramping-vus"\)/, /type: "ramping-vus"/],
    ['unknown type', { type: 'shared-iterations' }, /^executor\.type "shared-iterations" is not an executor$/, /^use one of: constant-vus, ramping-vus, constant-arrival-rate, ramping-arrival-rate, per-vu-iterations$/],
    ['typo in type', { type: 'ramping-vu', stages: [] }, /is not an executor/, /^did you mean 'ramping-vus'\?/],
    ['unknown option', { type: 'constant-arrival-rate', rate: 1, duration: '1s', maxVus: 3 }, /^executor\.maxVus is not an option of constant-arrival-rate$/, /did you mean maxVUs\?/],
    ['k6 option we do not have', { type: 'constant-vus', vus: 1, duration: '1s', gracefulStop: '5s' }, /^executor\.gracefulStop is not an option of constant-vus$/, /takes: type, vus, duration/],
    ['missing vus', { type: 'constant-vus', duration: '1s' }, /^executor\.vus is missing$/, /whole number/],
    ['zero vus', { type: 'constant-vus', vus: 0, duration: '1s' }, /^executor\.vus 0 is not a whole number of at least 1$/, /vus: 1 or more/],
    ['fractional vus', { type: 'constant-vus', vus: 1.5, duration: '1s' }, /^executor\.vus 1\.5 is not a whole number/, /vus/],
    ['quoted vus', { type: 'constant-vus', vus: '10', duration: '1s' }, /^executor\.vus "10" is not a whole number/, /without quotes/],
    ['missing duration', { type: 'constant-vus', vus: 1 }, /^executor\.duration is missing$/, /'30s'/],
    ['number duration', { type: 'constant-vus', vus: 1, duration: 30 }, /^executor\.duration 30 is not a duration$/, /'30s' or '30ms'/],
    ['unitless duration', { type: 'constant-vus', vus: 1, duration: '30' }, /^executor\.duration "30" is not a duration$/, /add a unit: "30s" or "30ms"/],
    ['zero duration', { type: 'constant-vus', vus: 1, duration: '0s' }, /^executor\.duration "0s" must be longer than 0$/, /positive/],
    ['zero rate', { type: 'constant-arrival-rate', rate: 0, duration: '1s' }, /^executor\.rate 0 is not a number above 0$/, /rate: 100/],
    ['negative startRate', ramp([{ target: 1, duration: '1s' }], { startRate: -1 }), /^executor\.startRate -1 is not a number 0 or more$/, /startRate/],
    ['bad timeUnit', { type: 'constant-arrival-rate', rate: 1, timeUnit: 's', duration: '1s' }, /^executor\.timeUnit "s" is not a duration$/, /unit/],
    ['zero timeUnit', { type: 'constant-arrival-rate', rate: 1, timeUnit: '0s', duration: '1s' }, /^executor\.timeUnit "0s" must be longer than 0$/, /positive/],
    ['maxVUs below preAllocatedVUs', { type: 'constant-arrival-rate', rate: 1, duration: '1s', preAllocatedVUs: 5, maxVUs: 2 }, /^executor\.maxVUs \(2\) is less than executor\.preAllocatedVUs \(5\)$/, /at least 5/],
    ['zero maxVUs', { type: 'constant-arrival-rate', rate: 1, duration: '1s', maxVUs: 0 }, /^executor\.maxVUs 0 is not a whole number of at least 1$/, /maxVUs/],
    ['missing stages', { type: 'ramping-vus' }, /^executor\.stages is missing$/, /target: 50/],
    ['stages not a list', ramp({ target: 1, duration: '1s' }), /^executor\.stages must be a list, got an object$/, /target: 200/],
    ['empty stages', ramp([]), /^executor\.stages is empty$/, /target/],
    ['stage not an object', ramp([{ target: 1, duration: '1s' }, 5]), /^executor\.stages\[1\] must be an object, got 5$/, /duration/],
    ['stage duration', ramp([{ target: 1, duration: '1s' }, { target: 2, duration: '3' }]), /^executor\.stages\[1\]\.duration "3" is not a duration$/, /add a unit: "3s" or "3ms"/],
    ['stage without target', ramp([{ duration: '1s' }]), /^executor\.stages\[0\]\.target is missing$/, /target/],
    ['negative stage target', ramp([{ target: -5, duration: '1s' }]), /^executor\.stages\[0\]\.target -5 is not a number 0 or more$/, /target/],
    ['fractional VU target', { type: 'ramping-vus', stages: [{ target: 2.5, duration: '1s' }] }, /^executor\.stages\[0\]\.target 2\.5 is not a whole number of at least 0$/, /target/],
    ['extra stage field', ramp([{ target: 1, duration: '1s', rate: 3 }]), /^executor\.stages\[0\]\.rate is not an option of a stage$/, /target and a duration/],
    ['stages of no time', ramp([{ target: 10, duration: '0s' }]), /^executor\.stages last 0ms in total$/, /duration/],
    ['rates all 0', ramp([{ target: 0, duration: '10s' }]), /^executor never starts an iteration/, /target above 0/],
    ['VUs all 0', { type: 'ramping-vus', startVUs: 0, stages: [{ target: 0, duration: '10s' }] }, /^executor never has a VU/, /target above 0/],
    ['zero iterations', { type: 'per-vu-iterations', vus: 1, iterations: 0 }, /^executor\.iterations 0 is not a whole number of at least 1$/, /iterations/],
    ['typo in whenVUsBusy', { type: 'constant-arrival-rate', rate: 1, duration: '1s', whenVUsBusy: 'queu' }, /^executor\.whenVUsBusy "queu" is not one of 'drop', 'queue'$/, /^did you mean 'queue'\? 'drop' \(default\)/],
    ['whenVUsBusy not a string', { type: 'constant-arrival-rate', rate: 1, duration: '1s', whenVUsBusy: true }, /^executor\.whenVUsBusy true is not one of/, /dropped_iterations/],
    ['whenVUsBusy on a closed executor', { type: 'constant-vus', vus: 1, duration: '1s', whenVUsBusy: 'queue' }, /^executor\.whenVUsBusy is not an option of constant-vus$/, /takes: type, vus, duration/],
    ['bad gracefulRampDown', { type: 'ramping-vus', stages: [{ target: 1, duration: '1s' }], gracefulRampDown: 'soon' }, /^executor\.gracefulRampDown "soon" is not a duration$/, /unit/],
  ])('%s', (_name, config, message, hint) => {
    const error = catchError(() => planSchedule(config));
    expect(error).toBeInstanceOf(BazaarError);
    expect(error.message).toMatch(message);
    expect(error.hint).toMatch(hint);
  });

  it('names the config where it came from', () => {
    expect(() => planSchedule({ type: 'constant-vus', vus: 0, duration: '1s' }, 'scenarios.chat.executor'))
      .toThrow(/^scenarios\.chat\.executor\.vus 0/);
  });
});

describe('parseStage', () => {
  it.each([
    [{ target: 50, duration: '30s' }, 'vus', { target: 50, durationMs: 30_000 }],
    [{ target: 0, duration: '0s' }, 'vus', { target: 0, durationMs: 0 }],
    [{ target: 2.5, duration: '1.5m' }, 'rate', { target: 2.5, durationMs: 90_000 }],
  ] as const)('%j as %s', (stage, kind, expected) => {
    expect(parseStage(stage, 'executor.stages[0]', kind)).toEqual(expected);
  });

  it('rejects with the path it was given', () => {
    expect(() => parseStage({ target: 1, duration: '3' }, 'executor.stages[1]')).toThrow('executor.stages[1].duration "3" is not a duration');
  });
});

function catchError(run: () => unknown): BazaarError {
  try {
    run();
  } catch (error) {
    return error as BazaarError;
  }
  throw new Error('expected an error');
}
