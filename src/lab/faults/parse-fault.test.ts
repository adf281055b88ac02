import { describe, expect, it } from 'vitest';
import { normalizeFault, parseFault, parseRateBytesPerSec } from './parse-fault.ts';
import { planFaults } from './plan-faults.ts';
import { faultSide, needsProxy } from './fault-spec.ts';

describe('parseFault', () => {
  it.each([
    ['kill-node 1 at 20s', { kind: 'kill-node', node: 1, atMs: 20_000, forMs: 0, label: 'kill-node 1 at 20s' }],
    ['drain-node 0 at 1500ms', { kind: 'drain-node', node: 0, atMs: 1_500, forMs: 0 }],
    ['freeze-node 2 at 10s for 5s', { kind: 'freeze-node', node: 2, atMs: 10_000, forMs: 5_000, label: 'freeze-node 2 at 10s for 5s' }],
    ['block-loop 0 at 1s for 3s', { kind: 'block-loop', node: 0, atMs: 1_000, forMs: 3_000 }],
    ['restart-redis at 40s for 5s', { kind: 'restart-redis', atMs: 40_000, forMs: 5_000 }],
    ['restart-redis at 40s', { kind: 'restart-redis', atMs: 40_000, forMs: 0 }],
    ['kill-redis-subscribers at 30s', { kind: 'kill-redis-subscribers', atMs: 30_000, forMs: 0 }],
    ['latency redis 200ms jitter 50ms at 10s for 5s', { kind: 'latency', link: 'redis', latencyMs: 200, jitterMs: 50, label: 'latency redis 200ms jitter 50ms at 10s for 5s' }],
    ['latency entry 80ms at 1s for 2s', { kind: 'latency', link: 'entry', latencyMs: 80, jitterMs: 0 }],
    ['bandwidth entry 64kB/s at 5s for 10s', { kind: 'bandwidth', link: 'entry', bytesPerSec: 64_000 }],
    ['stall redis at 2s for 1s', { kind: 'stall', link: 'redis', forMs: 1_000 }],
    ['half-open entry at 2s for 3s', { kind: 'half-open', link: 'entry' }],
    ['partition redis at 2s for 3s', { kind: 'partition', link: 'redis' }],
    ['slow-consumers 20% at 5s for 10s', { kind: 'slow-consumers', share: 0.2, label: 'slow-consumers 20% at 5s for 10s' }],
    ['  slow-consumers   5%   at 1s  ', { kind: 'slow-consumers', share: 0.05, forMs: 0 }],
  ])('%s', (text, expected) => {
    expect(parseFault(text)).toMatchObject(expected);
  });

  it.each([
    ['explode-node 1 at 2s', /"explode-node" is no fault kind/, /kill-node, drain-node/],
    ['kill-node 1', /says not when/, /kill-node 1 at 20s/],
    ['kill-node at 2s', /needs the node's index.*"at"|needs the node index/, /.*/],
    ['kill-node one at 2s', /node's index .*"one"/, /numbered from 0/],
    ['kill-node 1 at 2s for 3s', /is an instant/, /leave out "for"/],
    ['freeze-node 1 at 2s', /lasts: it needs a duration/, /SIGSTOP/],
    ['freeze-node 1 at 2s for', /"for" after the time is not understood/, /.*/],
    ['kill-node 1 at 20', /not a duration/, /add a unit/],
    ['latency db 100ms at 1s for 1s', /needs the link it sits on, entry or redis, got "db"/, /.*/],
    ['latency redis at 1s for 1s', /latency needs the delay to add \(e.g. 200ms\), before "at"/, /.*/],
    ['bandwidth entry fast at 1s for 1s', /rate "fast" is not a rate/, /kB\/s/],
    ['slow-consumers 150% at 1s', /share "150%"/, /percentage/],
    ['kill-node 1 now at 1s', /"now" is not understood for kill-node/, /.*/],
  ])('refuses %s, saying why', (text, message, hint) => {
    expect(() => parseFault(text)).toThrow(expect.objectContaining({ code: expect.stringMatching(/^BAZAAR_BAD_(FAULT|DURATION)$/), message: expect.stringMatching(message), hint: expect.stringMatching(hint) }));
  });

  it('reads rates in the usual units', () => {
    expect(parseRateBytesPerSec('1MB/s', 'r')).toBe(1_000_000);
    expect(parseRateBytesPerSec('512KiB/s', 'r')).toBe(524_288);
    expect(parseRateBytesPerSec('100B/s', 'r')).toBe(100);
  });
});

describe('normalizeFault (the scenario form)', () => {
  it('takes the same faults as objects', () => {
    expect(normalizeFault({ at: '20s', kind: 'kill-node', node: 1 })).toMatchObject({ kind: 'kill-node', node: 1, atMs: 20_000, label: 'kill-node 1 at 20s' });
    expect(normalizeFault({ at: '1s', for: '2s', kind: 'slow-consumers', share: 0.25 })).toMatchObject({ share: 0.25, label: 'slow-consumers 25% at 1s for 2s' });
  });

  it('refuses a key the kind does not take', () => {
    expect(() => normalizeFault({ at: '1s', kind: 'kill-node', node: 1, link: 'redis' }, 'faults[3]'))
      .toThrow(/faults\[3\]: kill-node takes no "link"/);
  });
});

describe('planFaults', () => {
  it('sorts scenario and CLI faults by time and scales only the scenario ones with --duration', () => {
    const faults = planFaults({
      scenario: [{ at: '20s', for: '10s', kind: 'freeze-node', node: 1 }],
      cli: ['kill-node 0 at 3s'],
      durationFactor: 0.1,
      nodes: 3,
    });
    expect(faults.map((f) => f.label)).toEqual(['freeze-node 1 at 2s for 1s', 'kill-node 0 at 3s']);
  });

  it('against --target, refuses the server-side faults and says which apply', () => {
    expect(() => planFaults({ cli: ['kill-node 1 at 2s'], target: 'http://x:3000', nodes: 0 }))
      .toThrow(expect.objectContaining({ code: 'BAZAAR_FAULT_NEEDS_LAB', hint: expect.stringMatching(/only slow-consumers and network faults on the entry link/) }));
    expect(() => planFaults({ cli: ['latency redis 1s at 2s for 1s'], target: 'http://x:3000', nodes: 0 })).toThrow(/server side/);
    expect(planFaults({ cli: ['slow-consumers 10% at 1s', 'latency entry 50ms at 2s for 1s'], target: 'http://x:3000', nodes: 0 })).toHaveLength(2);
  });

  it('refuses node and Redis faults without a cluster, a node it does not have, and a Redis it did not start', () => {
    expect(() => planFaults({ cli: ['freeze-redis at 1s for 1s'], nodes: 1 })).toThrow(expect.objectContaining({ code: 'BAZAAR_FAULT_NEEDS_CLUSTER', hint: expect.stringMatching(/--nodes 3/) }));
    expect(() => planFaults({ cli: ['kill-node 3 at 1s'], nodes: 3 })).toThrow(/names node 3, and the cluster has nodes 0 to 2/);
    expect(() => planFaults({ cli: ['restart-redis at 1s'], nodes: 3, externalRedis: 'redis://:secret@127.0.0.1:6379' }))
      .toThrow(expect.objectContaining({ code: 'BAZAAR_FAULT_NEEDS_LAB_REDIS', message: expect.not.stringMatching(/secret/) }));
    expect(planFaults({ cli: ['latency entry 50ms at 2s for 1s'], nodes: 1 })).toHaveLength(1);
  });

  it('tells which side a fault acts on and which links need a proxy', () => {
    const [entry, redis, slow] = planFaults({ cli: ['stall entry at 1s for 1s', 'stall redis at 2s for 1s', 'slow-consumers 5% at 3s'], nodes: 2 });
    expect([entry, redis, slow].map((f) => faultSide(f!))).toEqual(['client', 'lab', 'client']);
    expect(needsProxy([slow!], 'entry')).toBe(true);
    expect(needsProxy([slow!], 'redis')).toBe(false);
  });
});
