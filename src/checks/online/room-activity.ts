/**
 * Which receivers hold checker state in which room, and when the room last had an event: a room
 * that has gone quiet has its state dropped, as one a receiver left does, so a long run holds
 * state for what is active, not for every room it ever saw. Pure: times come in as arguments.
 */
interface Room {
  lastUs: number;
  keys: Set<string>;
}

export function createRoomActivity() {
  const rooms = new Map<string, Room>();
  const roomsOf = new Map<string, Set<string>>();
  return {
    /** `key` got an event of `room` at `atUs`. */
    touch(room: string, key: string, atUs: number): void {
      let r = rooms.get(room);
      if (!r) rooms.set(room, (r = { lastUs: atUs, keys: new Set() }));
      r.lastUs = atUs;
      if (r.keys.has(key)) return;
      r.keys.add(key);
      let mine = roomsOf.get(key);
      if (!mine) roomsOf.set(key, (mine = new Set()));
      mine.add(room);
    },
    /** `key` left `room` (or every room, when gone for good). */
    left(key: string, room?: string): void {
      const mine = roomsOf.get(key);
      if (!mine) return;
      for (const name of room === undefined ? [...mine] : [room]) {
        mine.delete(name);
        const r = rooms.get(name);
        r?.keys.delete(key);
        if (r?.keys.size === 0) rooms.delete(name);
      }
      if (mine.size === 0) roomsOf.delete(key);
    },
    /** Remove and return the rooms with no event since `beforeUs`, with the keys that held state in them. */
    quiet(beforeUs: number): [room: string, keys: string[]][] {
      const out: [string, string[]][] = [];
      for (const [name, r] of rooms) {
        if (r.lastUs >= beforeUs) continue;
        rooms.delete(name);
        const keys = [...r.keys];
        for (const key of keys) {
          const mine = roomsOf.get(key);
          mine?.delete(name);
          if (mine?.size === 0) roomsOf.delete(key);
        }
        out.push([name, keys]);
      }
      return out;
    },
    size: () => rooms.size,
  };
}
