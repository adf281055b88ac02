/** How many of this generator's sockets are in each room, for the room-size class of fan-out. */
export interface RoomCensus {
  join(room: string): void;
  leave(room: string): void;
  size(room: string): number;
}

export function createRoomCensus(): RoomCensus {
  const members = new Map<string, number>();
  return {
    join: (room) => void members.set(room, (members.get(room) ?? 0) + 1),
    leave(room) {
      const count = (members.get(room) ?? 0) - 1;
      if (count > 0) members.set(room, count);
      else members.delete(room);
    },
    size: (room) => members.get(room) ?? 0,
  };
}
