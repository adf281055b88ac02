import type { Logger } from 'pino';
import type { Role } from '../src/contract/index.ts';
import type { PresenceStore } from './presence/presence-store.ts';
import type { TypingGate } from './presence/typing-gate.ts';
import type { KeyedSerial } from './serial.ts';
import type { Store } from './store/store.ts';

/** The authenticated caller, from a verified token. */
export interface Principal {
  userId: string;
  role: Role;
}

/** Sends a server → client event to everyone in a room (but the socket `exceptSocketId`). */
export interface Fanout {
  emit(room: string, event: string, payload: unknown, exceptSocketId?: string): void;
}

export interface PresenceSettings {
  ttlMs: number;
  heartbeatMs: number;
  sweepMs: number;
}

/** What domain operations and handlers work with; built once per server. */
export interface ServerContext {
  store: Store;
  presence: PresenceStore;
  typing: TypingGate;
  fanout: Fanout;
  serial: KeyedSerial;
  presenceSettings: PresenceSettings;
  log: Logger;
  nowMs(): number;
}
