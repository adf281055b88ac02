/**
 * A checker's state per socket, then per stream (a booking, a listing): kept in the socket's own
 * map so a socket that leaves for good is forgotten at once, and one that leaves a room loses
 * just that stream. Shared by the order and version checkers.
 */
export interface PerSocket<V> {
  /** The socket's map of streams, created on first use. */
  of(socket: string): Map<string, V>;
  /** Drop `socket`'s state for `stream`, or all of it. */
  forget(socket: string, stream?: string): void;
  /** How many socket-and-stream states are held. */
  size(): number;
}

export function createPerSocket<V>(): PerSocket<V> {
  const sockets = new Map<string, Map<string, V>>();
  return {
    of(socket) {
      let streams = sockets.get(socket);
      if (!streams) sockets.set(socket, (streams = new Map()));
      return streams;
    },
    forget(socket, stream) {
      if (stream === undefined) {
        sockets.delete(socket);
        return;
      }
      const streams = sockets.get(socket);
      streams?.delete(stream);
      if (streams?.size === 0) sockets.delete(socket);
    },
    size() {
      let n = 0;
      for (const streams of sockets.values()) n += streams.size;
      return n;
    },
  };
}
