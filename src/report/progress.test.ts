import { describe, expect, it } from 'vitest';
import { renderProgressLine, type ProgressForReport } from './progress.ts';

const base: ProgressForReport = { elapsedMs: 12_300, totalMs: 30_000, vus: 50, iterationsPerSec: 12.34, ackP95Ms: 12.3, errors: 0, dropped: 0 };

describe('renderProgressLine', () => {
  it.each<[string, Partial<ProgressForReport>, RegExp[]]>([
    ['a timed run', {}, [/^00:12\/00:30 /, /\[█{4}░{6}\]/, / 41%/, /VUs 50/, /12\.3 it\/s/, /ack p95 12\.3 ms/, /errors 0/, /dropped 0/]],
    ['the start', { elapsedMs: 0, ackP95Ms: undefined }, [/^00:00\/00:30/, /\[░{10}\]/, /  0%/, /ack p95 —/]],
    ['overtime (graceful stop)', { elapsedMs: 33_000 }, [/\[█{10}\]/, /100%/]],
    ['no known length', { totalMs: 0 }, [/^00:12  VUs 50/]],
    ['errors and drops', { errors: 1_234, dropped: 7, ackP95Ms: 1_240 }, [/errors 1,234/, /dropped 7/, /ack p95 1\.24 s/]],
    ['a slow ack', { ackP95Ms: 0.85 }, [/ack p95 850 µs/]],
    ['checked, with violations', { violations: 1_234 }, [/dropped 0  violations 1,234$/]],
  ])('%s', (_what, change, patterns) => {
    const line = renderProgressLine({ ...base, ...change });
    for (const pattern of patterns) expect(line).toMatch(pattern);
    expect(line).not.toMatch(/\n/);
    expect(line.length).toBeLessThan(120);
  });

  it.each<[string, Partial<ProgressForReport>]>([
    ['huge numbers', { vus: 1e9, iterationsPerSec: 1e12, errors: 1e15, dropped: 1e15, violations: 1e15, ackP95Ms: 3_600_000, elapsedMs: 3e8, totalMs: 4e8 }],
    ['not numbers', { vus: Number.NaN, iterationsPerSec: Number.POSITIVE_INFINITY, ackP95Ms: Number.NaN }],
  ])('stays one line under 120 characters with %s', (_what, change) => {
    const line = renderProgressLine({ ...base, ...change });
    expect(line).not.toMatch(/\n/);
    expect(line.length).toBeLessThan(120);
    expect(line).toMatch(/VUs/);
  });

  it('says nothing of violations when the run does not check (--no-check)', () => {
    expect(renderProgressLine(base)).not.toMatch(/violations/);
  });
});
