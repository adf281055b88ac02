/**
 * Which of this generator's sockets are in each room, and since when without a break. The size
 * gives fan-out's room-size class; the `since` stamps say which receivers a delivery is owed to
 * (docs/contract.md §6.2: every socket in the room from before the send until after it).
 */
export interface RoomCensus {
  /** `receiver` is in `room` (an ok join ack). A receiver already in it keeps its earlier stamp. */
  join(room: string, receiver: object, sinceUs: number): void;
  /** `receiver` left `room`, or lost its connection (the server forgets a socket's rooms). */
  leave(room: string, receiver: object): void;
  size(room: string): number;
  /** µs since which `receiver` has been in `room` without a break; undefined when it is not in it. */
  since(room: string, receiver: object): number | undefined;
  /** Every receiver in `room` now, with its `since` stamp. */
  members(room: string): Iterable<[object, number]>;
}

const NONE: Iterable<[object, number]> = [];

export function createRoomCensus(): RoomCensus {
  const rooms = new Map<string, Map<object, number>>();
  return {
    join(room, receiver, sinceUs) {
      let members = rooms.get(room);
      if (!members) rooms.set(room, (members = new Map()));
      if (!members.has(receiver)) members.set(receiver, sinceUs);
    },
    leave(room, receiver) {
      const members = rooms.get(room);
      if (!members) return;
      members.delete(receiver);
      // Empty rooms go: the census holds what is joined now, never every room ever seen.
      if (members.size === 0) rooms.delete(room);
    },
    size: (room) => rooms.get(room)?.size ?? 0,
    since: (room, receiver) => rooms.get(room)?.get(receiver),
    members: (room) => rooms.get(room) ?? NONE,
  };
}
