/*
 * Slow consumers (docs/repro/slow-consumer.md): a client that stops reading its socket makes the
 * server keep everything sent to it. Engine.IO's per-socket writeBuffer and the ws send buffer are
 * unbounded (engine.io#420, socket.io#4435), so one such client costs memory at the rate of what
 * its rooms broadcast, until the heartbeat gives up on it. The guard below measures each socket's
 * outgoing buffer and disconnects the sockets that stay above a bound.
 */
import type { Server } from 'socket.io';

/** The disconnect reason counted (socket_io_disconnects_total) for a socket closed as a slow consumer. */
export const SLOW_CONSUMER_REASON = 'slow consumer';

export interface SlowConsumerOptions {
  /** A socket holding more than this many unsent bytes (Engine.IO writeBuffer + ws send buffer)... */
  maxBufferedBytes: number;
  /** ...for at least this long is disconnected. Default 2 s: a burst that drains is not a slow consumer. */
  graceMs?: number;
}

export const DEFAULT_SLOW_CONSUMER_GRACE_MS = 2_000;

/**
 * The judge, pure: fed each socket's buffered bytes at each check, it says which sockets have
 * been above the bound for the grace period. A socket that drains below the bound starts over;
 * a socket no longer checked is forgotten.
 */
export function createSlowConsumerJudge(options: SlowConsumerOptions): {
  check(nowMs: number, sockets: readonly { id: string; bufferedBytes: number }[]): string[];
} {
  const graceMs = options.graceMs ?? DEFAULT_SLOW_CONSUMER_GRACE_MS;
  const aboveSinceMs = new Map<string, number>();
  return {
    check(nowMs, sockets) {
      const seen = new Set<string>();
      const slow: string[] = [];
      for (const { id, bufferedBytes } of sockets) {
        seen.add(id);
        if (bufferedBytes <= options.maxBufferedBytes) {
          aboveSinceMs.delete(id);
          continue;
        }
        const since = aboveSinceMs.get(id) ?? nowMs;
        aboveSinceMs.set(id, since);
        if (nowMs - since >= graceMs) slow.push(id);
      }
      for (const id of aboveSinceMs.keys()) if (!seen.has(id)) aboveSinceMs.delete(id);
      return slow;
    },
  };
}

/** What the guard reads off an Engine.IO socket (socket.io's `socket.conn`). */
interface EngineSocketLike {
  writeBuffer?: { data?: unknown }[];
  transport?: { socket?: { bufferedAmount?: unknown; terminate?: () => void } };
  close(discard?: boolean): void;
}

/**
 * Bytes the server holds for one connection and has not written to the kernel: the packets
 * queued in Engine.IO's writeBuffer (waiting for the transport to be writable again) plus the
 * WebSocket's own send buffer (ws `bufferedAmount`).
 */
export function bufferedBytes(conn: EngineSocketLike): number {
  let bytes = 0;
  for (const packet of conn.writeBuffer ?? []) {
    const data = packet.data;
    if (typeof data === 'string') bytes += Buffer.byteLength(data);
    else if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) bytes += data.byteLength;
  }
  const ws = conn.transport?.socket?.bufferedAmount;
  if (typeof ws === 'number') bytes += ws;
  return bytes;
}

/** Total unsent bytes over every socket of the server (the `socket_io_buffered_bytes` gauge). */
export function totalBufferedBytes(io: Server): number {
  let total = 0;
  for (const socket of io.of('/').sockets.values()) total += bufferedBytes(socket.conn as unknown as EngineSocketLike);
  return total;
}

/**
 * Checks every socket of the main namespace every `checkEveryMs` and closes the slow consumers:
 * their buffers are dropped and their TCP connection destroyed at once (a WebSocket close frame
 * would wait behind the very data the client does not read). The socket's `data.closedAs` says
 * why, for the disconnect counter. Returns a stop function.
 */
export function startSlowConsumerGuard(io: Server, options: SlowConsumerOptions & { checkEveryMs?: number; onSlow?(socketId: string, bufferedBytes: number): void }): () => void {
  const judge = createSlowConsumerJudge(options);
  const everyMs = options.checkEveryMs ?? Math.max(100, Math.min(1_000, Math.floor((options.graceMs ?? DEFAULT_SLOW_CONSUMER_GRACE_MS) / 4)));
  const timer = setInterval(() => {
    const sockets = [...io.of('/').sockets.values()];
    const sizes = new Map(sockets.map((s) => [s.id, bufferedBytes(s.conn as unknown as EngineSocketLike)]));
    const slow = new Set(judge.check(Date.now(), [...sizes].map(([id, bytes]) => ({ id, bufferedBytes: bytes }))));
    for (const socket of sockets) {
      if (!slow.has(socket.id)) continue;
      options.onSlow?.(socket.id, sizes.get(socket.id) ?? 0);
      if (socket.data && typeof socket.data === 'object') (socket.data as { closedAs?: string }).closedAs = SLOW_CONSUMER_REASON;
      else socket.data = { closedAs: SLOW_CONSUMER_REASON };
      const conn = socket.conn as unknown as EngineSocketLike;
      const ws = conn.transport?.socket;
      conn.close(true);
      ws?.terminate?.();
    }
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
