import { describe, expect, it } from 'vitest';
import type { EventObserver, ObservedReceiver } from '../../client/event-observer.ts';
import { bothObservers } from './both-observers.ts';

const receiver = { userId: 'u1', connectionId: 'c1' } as unknown as ObservedReceiver;

describe('bothObservers', () => {
  it('feeds every hook either observer defines to both, the optional ones too', () => {
    const calls: string[] = [];
    const a: EventObserver = {
      received: () => calls.push('a.received'),
      left: () => calls.push('a.left'),
      closed: () => calls.push('a.closed'),
      marked: () => calls.push('a.marked'),
      touched: () => calls.push('a.touched'),
    };
    const b: EventObserver = {
      received: () => calls.push('b.received'),
      left: () => calls.push('b.left'),
      closed: () => calls.push('b.closed'),
      booked: () => calls.push('b.booked'),
    };
    const both = bothObservers(a, b);
    both.received(receiver, 'message:new', {});
    both.marked?.(receiver, 'b1', 'm1', 1);
    both.touched?.(receiver);
    both.booked?.({} as never);
    both.left(receiver, 'booking:b1');
    both.closed(receiver);
    expect(calls).toEqual(['a.received', 'b.received', 'a.marked', 'a.touched', 'b.booked', 'a.left', 'b.left', 'a.closed', 'b.closed']);
    expect(both.sent).toBeUndefined();
  });
});
