import { describe, expect, it } from 'vitest';
import { createVersionChecker } from './version-checker.ts';

describe('createVersionChecker', () => {
  it('passes strictly increasing versions shared by the events of one entity', () => {
    const versions = createVersionChecker();
    versions.observe({ socket: 'w@c1', entity: 'listing l1', event: 'listing:priceChanged', version: 2 });
    versions.observe({ socket: 'w@c1', entity: 'listing l1', event: 'listing:availabilityChanged', version: 3 });
    versions.observe({ socket: 'w@c1', entity: 'listing l1', event: 'listing:priceChanged', version: 7 });
    versions.observe({ socket: 'w@c1', entity: 'booking b1', event: 'booking:statusChanged', version: 2 });
    versions.observe({ socket: 'w@c2', entity: 'listing l1', event: 'listing:priceChanged', version: 2 });
    expect(versions.verdict()).toEqual({ passed: true, evidence: [] });
  });

  it.each([
    { versions: [5, 4], line: 'w@c1 got listing:priceChanged version 4 after listing:priceChanged version 5 for listing l1' },
    { versions: [5, 5], line: 'w@c1 got listing:priceChanged version 5 again after listing:priceChanged version 5 for listing l1' },
  ])('says why $versions fails', ({ versions: seen, line }) => {
    const versions = createVersionChecker();
    for (const version of seen) versions.observe({ socket: 'w@c1', entity: 'listing l1', event: 'listing:priceChanged', version });
    expect(versions.verdict()).toEqual({ passed: false, evidence: [line] });
  });

  it('names both events when they share one sequence', () => {
    const versions = createVersionChecker();
    versions.observe({ socket: 'w@c1', entity: 'listing l1', event: 'listing:availabilityChanged', version: 9 });
    versions.observe({ socket: 'w@c1', entity: 'listing l1', event: 'listing:priceChanged', version: 8 });
    expect(versions.verdict().evidence).toEqual([
      'w@c1 got listing:priceChanged version 8 after listing:availabilityChanged version 9 for listing l1',
    ]);
  });

  it('keeps a few lines per socket and entity and counts the rest', () => {
    const versions = createVersionChecker({ maxLinesPerSocket: 1 });
    for (const version of [9, 8, 7, 6]) versions.observe({ socket: 'w@c1', entity: 'booking b1', event: 'booking:statusChanged', version });
    expect(versions.verdict().evidence).toEqual([
      'w@c1 got booking:statusChanged version 8 after booking:statusChanged version 9 for booking b1',
      'w@c1 got 2 more events out of version order for booking b1',
    ]);
  });
});

describe('createVersionChecker online (as bazaar run uses it)', () => {
  it('hands each violation over as data, takes a gap as no violation, and forgets a socket', () => {
    const seen: unknown[] = [];
    const versions = createVersionChecker({ onViolation: (v) => seen.push(v) });
    for (const version of [2, 7, 7]) versions.observe({ socket: 'w~1', entity: 'listing l1', event: 'listing:priceChanged', version });
    expect(seen).toEqual([{
      socket: 'w~1', entity: 'listing l1', event: 'listing:priceChanged',
      expected: 'version > 7 (after listing:priceChanged)', observed: 'listing:priceChanged version 7',
      line: 'w~1 got listing:priceChanged version 7 again after listing:priceChanged version 7 for listing l1',
    }]);
    versions.observe({ socket: 'w~1', entity: 'booking b1', event: 'booking:statusChanged', version: 1 });
    expect(versions.size()).toBe(2);
    versions.forget('w~1', 'listing l1');
    expect(versions.size()).toBe(1);
    versions.forget('w~1');
    expect(versions.size()).toBe(0);
    expect(versions.verdict()).toEqual({ passed: true, evidence: [] });
  });
});
