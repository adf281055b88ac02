import type { EventObserver } from '../../client/event-observer.ts';

/** Two observers as one: each user has one observer (one onAny listener), fed to both. */
export function bothObservers(a: EventObserver, b: EventObserver): EventObserver {
  return {
    received(receiver, event, payload) {
      a.received(receiver, event, payload);
      b.received(receiver, event, payload);
    },
    left(receiver, room) {
      a.left(receiver, room);
      b.left(receiver, room);
    },
    closed(receiver) {
      a.closed(receiver);
      b.closed(receiver);
    },
    booked(booking) {
      a.booked?.(booking);
      b.booked?.(booking);
    },
  };
}
