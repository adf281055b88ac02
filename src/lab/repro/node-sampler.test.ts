import { describe, expect, it } from 'vitest';
import { parseNodeGauges, sampleAt, watchedCounters } from './node-sampler.ts';
import { heldAfterFault, longestHeldMs } from './slow-consumer.ts';

const TEXT = `# HELP process_resident_memory_bytes Resident memory size in bytes.
process_resident_memory_bytes 1000
nodejs_heap_size_used_bytes 400
socket_io_buffered_bytes 50
socket_io_connected 3
socket_io_disconnects_total{reason="slow consumer"} 2
`;

describe('node sampler (pure parts)', () => {
  it('reads memory, unsent bytes and connections out of a node\'s /metrics', () => {
    expect(parseNodeGauges(TEXT)).toEqual({ rssBytes: 1000, heapUsedBytes: 400, bufferedBytes: 50, connected: 3 });
  });

  it('finds the last sample at or before a moment, else the first', () => {
    const samples = [{ atMs: 100 }, { atMs: 600 }, { atMs: 1100 }];
    expect(sampleAt(samples, 700)).toBe(samples[1]);
    expect(sampleAt(samples, 50)).toBe(samples[0]);
  });

  it('sums the last counters of every node that answered, and has none when no node did', () => {
    const counters = { connectionErrors: {}, disconnects: { 'slow consumer': 2 } };
    expect(watchedCounters({ everyMs: 500, nodes: [{ metricsUrl: 'a', samples: [], counters }, { metricsUrl: 'b', samples: [], counters }] })?.disconnects)
      .toEqual({ 'slow consumer': 4 });
    expect(watchedCounters({ everyMs: 500, nodes: [{ metricsUrl: 'a', samples: [], counters: undefined }] })).toBeUndefined();
  });

  it('measures what the nodes held from the fault on: peak, end, and growth over the sample at the fault', () => {
    const held = heldAfterFault({
      everyMs: 500,
      faultAtMs: 1_000,
      nodes: [
        { metricsUrl: 'a', counters: undefined, samples: [
          { atMs: 500, rssBytes: 100, heapUsedBytes: 10, bufferedBytes: 0 },
          { atMs: 1_500, rssBytes: 300, heapUsedBytes: 50, bufferedBytes: 700 },
          { atMs: 2_000, rssBytes: 250, heapUsedBytes: 40, bufferedBytes: 600 },
        ] },
        { metricsUrl: 'b', counters: undefined, samples: [] },
      ],
    });
    expect(held).toEqual({ peakBufferedBytes: 700, endBufferedBytes: 600, rssAtFaultBytes: 100, rssPeakGrowthBytes: 200, heapPeakGrowthBytes: 40, sampledNodes: 1 });
  });

  it('finds the longest stretch one node stayed at or above a number of unsent bytes', () => {
    const node = (values: number[]) => ({ metricsUrl: 'n', counters: undefined, samples: values.map((bufferedBytes, i) => ({ atMs: i * 500, bufferedBytes })) });
    const watch = { everyMs: 500, nodes: [node([0, 9, 9, 0, 9, 9, 9, 9]), node([9, 0])] };
    expect(longestHeldMs(watch, 5)).toBe(1_500);
    expect(longestHeldMs(watch, 10)).toBe(0);
    expect(longestHeldMs(undefined, 5)).toBe(0);
  });
});
