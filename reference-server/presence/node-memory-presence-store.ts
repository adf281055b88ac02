/**
 * Presence kept in each node's memory (`presenceStore: 'node-memory'`): the pattern of many
 * clustered Socket.IO apps, kept to reproduce what it gets wrong (docs/repro/ghost-after-kill.md).
 * Not the default: the default is the shared store with a TTL (redis-presence-store.ts).
 *
 * Each node keeps the presence of its own users (those its sockets touched), with the TTL, and
 * sweeps their lapses itself. The other nodes learn of them by messages between nodes
 * (io.serverSideEmit): 'online' when a node first holds a user, 'offline' when its hold lapses.
 * A node that closes cleanly lets go of its users on the way out (`release`: offline for those
 * no other node holds); a node killed (SIGKILL, OOM, a lost VM) takes its users' presence with
 * it: no node holds it any longer, so no node ever sweeps it or tells anyone, and the survivors
 * show those users online for good.
 */
import type { PresenceStore } from './presence-store.ts';

/** What nodes tell each other: node `nodeId` started or stopped holding `userId`'s presence. */
export interface PeerPresenceChange {
  nodeId: string;
  userId: string;
  online: boolean;
}

export interface NodeMemoryPresenceOptions {
  /** This node's name in its messages (unique per process). */
  nodeId: string;
  /** Tell every other node (not this one). */
  publish(change: PeerPresenceChange): void;
}

export interface NodeMemoryPresenceStore extends PresenceStore {
  /** A message from another node. */
  received(change: unknown): void;
  /**
   * A clean shutdown: let go of every user this node holds, telling the other nodes; returns
   * those no other node holds, to announce offline (what a killed node never gets to do).
   */
  release(): string[];
  /** Users other nodes say they hold (for tests and metrics). */
  heldElsewhere(): number;
}

function isChange(value: unknown): value is PeerPresenceChange {
  const c = value as PeerPresenceChange | undefined;
  return !!c && typeof c.nodeId === 'string' && typeof c.userId === 'string' && typeof c.online === 'boolean';
}

export function createNodeMemoryPresenceStore(options: NodeMemoryPresenceOptions): NodeMemoryPresenceStore {
  /** This node's users: userId -> expiresAtMs. */
  const own = new Map<string, number>();
  /** Users other nodes hold: userId -> the nodes holding it. */
  const elsewhere = new Map<string, Set<string>>();
  const heldElsewhere = (userId: string) => (elsewhere.get(userId)?.size ?? 0) > 0;

  return {
    async touch(userId, ttlMs, nowMs) {
      const mine = own.has(userId);
      const online = mine || heldElsewhere(userId);
      own.set(userId, nowMs + ttlMs);
      if (!mine) options.publish({ nodeId: options.nodeId, userId, online: true });
      return { cameOnline: !online };
    },
    async isOnline(userId) {
      return own.has(userId) || heldElsewhere(userId);
    },
    async takeLapsed(nowMs) {
      const lapsed: string[] = [];
      for (const [userId, expiresAtMs] of own) {
        if (expiresAtMs > nowMs) continue;
        own.delete(userId);
        options.publish({ nodeId: options.nodeId, userId, online: false });
        // Still held by another node (the user is connected there too): not offline yet.
        if (!heldElsewhere(userId)) lapsed.push(userId);
      }
      return lapsed;
    },
    received(change) {
      if (!isChange(change) || change.nodeId === options.nodeId) return;
      let nodes = elsewhere.get(change.userId);
      if (change.online) {
        if (!nodes) elsewhere.set(change.userId, (nodes = new Set()));
        nodes.add(change.nodeId);
      } else if (nodes) {
        nodes.delete(change.nodeId);
        if (nodes.size === 0) elsewhere.delete(change.userId);
      }
    },
    release() {
      const gone: string[] = [];
      for (const userId of own.keys()) {
        options.publish({ nodeId: options.nodeId, userId, online: false });
        if (!heldElsewhere(userId)) gone.push(userId);
      }
      own.clear();
      return gone;
    },
    heldElsewhere: () => elsewhere.size,
  };
}
