import { describe, expect, it } from 'vitest';
import { bufferedBytes, createSlowConsumerJudge } from './slow-consumers.ts';

describe('createSlowConsumerJudge', () => {
  const MAX = 1_000;

  it('names a socket only once it has stayed above the bound for the grace period', () => {
    const judge = createSlowConsumerJudge({ maxBufferedBytes: MAX, graceMs: 2_000 });
    expect(judge.check(0, [{ id: 'a', bufferedBytes: 5_000 }])).toEqual([]);
    expect(judge.check(1_999, [{ id: 'a', bufferedBytes: 6_000 }])).toEqual([]);
    expect(judge.check(2_000, [{ id: 'a', bufferedBytes: 7_000 }])).toEqual(['a']);
  });

  it('starts over when the buffer drains below the bound (a burst is not a slow consumer)', () => {
    const judge = createSlowConsumerJudge({ maxBufferedBytes: MAX, graceMs: 2_000 });
    judge.check(0, [{ id: 'a', bufferedBytes: 5_000 }]);
    judge.check(1_500, [{ id: 'a', bufferedBytes: MAX }]);
    expect(judge.check(2_500, [{ id: 'a', bufferedBytes: 5_000 }])).toEqual([]);
    expect(judge.check(4_500, [{ id: 'a', bufferedBytes: 5_000 }])).toEqual(['a']);
  });

  it('judges each socket on its own, and forgets sockets that are gone', () => {
    const judge = createSlowConsumerJudge({ maxBufferedBytes: MAX, graceMs: 1_000 });
    judge.check(0, [{ id: 'slow', bufferedBytes: 9_000 }, { id: 'fine', bufferedBytes: 10 }]);
    expect(judge.check(1_000, [{ id: 'slow', bufferedBytes: 9_000 }, { id: 'fine', bufferedBytes: 10 }])).toEqual(['slow']);
    judge.check(1_100, [{ id: 'fine', bufferedBytes: 10 }]);
    // 'slow' came back with the same id: its clock starts again.
    expect(judge.check(1_200, [{ id: 'slow', bufferedBytes: 9_000 }])).toEqual([]);
  });

  it('defaults the grace period to 2 s', () => {
    const judge = createSlowConsumerJudge({ maxBufferedBytes: MAX });
    judge.check(0, [{ id: 'a', bufferedBytes: 5_000 }]);
    expect(judge.check(1_999, [{ id: 'a', bufferedBytes: 5_000 }])).toEqual([]);
    expect(judge.check(2_000, [{ id: 'a', bufferedBytes: 5_000 }])).toEqual(['a']);
  });
});

describe('bufferedBytes', () => {
  it("adds Engine.IO's queued packets (strings and binary) to the WebSocket's send buffer", () => {
    const conn = {
      writeBuffer: [{ data: 'héllo' }, { data: new Uint8Array(10) }, {}],
      transport: { socket: { bufferedAmount: 100 } },
      close() {},
    };
    expect(bufferedBytes(conn)).toBe(6 + 10 + 100);
  });

  it('is 0 for a polling connection with nothing queued', () => {
    expect(bufferedBytes({ writeBuffer: [], transport: {}, close() {} })).toBe(0);
  });
});
