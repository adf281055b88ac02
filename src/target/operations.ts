import type { Socket } from 'socket.io-client';
import type { Ack } from '../contract/index.ts';
import { sendTargetRequest } from './api.ts';
import type { Identity } from './identity.ts';
import type { OperationInputs, OperationMapping, OperationName, PushesProfile, PushName, PushPayloads, SessionMapping, TargetUser } from './types.ts';

/**
 * How one operation went, in the contract's words: `answered` with the contract's ack (from the
 * app's ack, reply event or HTTP answer), `sent` when the app answers nothing (receipt tells),
 * `timeout` when the answer the profile promised did not come in time.
 */
export type Performed = { kind: 'answered'; ack: Ack<any> } | { kind: 'sent' } | { kind: 'timeout' };

export interface PerformOptions {
  socket: Socket | undefined;
  user: TargetUser;
  timeoutMs: number;
  url: string;
  identity: Identity;
}

const refusal = (code: string, message: string): Ack<any> => ({ ok: false, error: { code, message } });

/** Whatever an extractor made of the app's answer, as a contract ack (a throwing extractor is the profile's bug, said so). */
function extracted(read: () => Ack<any> | undefined): Ack<any> {
  try {
    const ack = read();
    return ack && typeof ack === 'object' && typeof ack.ok === 'boolean' ? ack : refusal('bad_ack', `the profile read ${JSON.stringify(ack)}, not { ok }`);
  } catch (error) {
    return refusal('profile_error', `the profile's extractor threw: ${(error as Error).message}`);
  }
}

/** Carry out one contract operation the app's way. Never throws for the app's answer. */
export function performOperation<O extends OperationName>(mapping: OperationMapping<O>, input: OperationInputs[O], options: PerformOptions): Promise<Performed> {
  if ('http' in mapping) return performHttp(mapping, input, options);
  const { socket, user, timeoutMs } = options;
  if (!socket) return Promise.resolve({ kind: 'answered', ack: refusal('not_connected', `${user.userId} never connected`) });
  const args = mapping.args ? mapping.args(input, user) : [input];
  const outcome = mapping.outcome ?? { none: true as const };
  if ('none' in outcome) {
    socket.emit(mapping.event, ...args);
    return Promise.resolve({ kind: 'sent' });
  }
  if ('ack' in outcome) {
    return new Promise((resolve) => {
      socket.timeout(timeoutMs).emit(mapping.event, ...args, (error: Error | null, ...ackArgs: unknown[]) => {
        if (error) resolve({ kind: 'timeout' });
        else resolve({ kind: 'answered', ack: extracted(() => outcome.ack(input, ...ackArgs)) });
      });
    });
  }
  return new Promise((resolve) => {
    const finish = (performed: Performed) => {
      clearTimeout(timer);
      socket.off(outcome.reply, onReply);
      if (outcome.refusal) socket.off(outcome.refusal.event, onRefusal);
      resolve(performed);
    };
    const matches = (match: (input: OperationInputs[O], ...args: any[]) => boolean, replyArgs: unknown[]) => {
      try {
        return match(input, ...replyArgs);
      } catch {
        return false;
      }
    };
    const onReply = (...replyArgs: unknown[]) => {
      if (!matches(outcome.match, replyArgs)) return;
      finish({ kind: 'answered', ack: outcome.result ? extracted(() => outcome.result!(input, ...replyArgs)) : { ok: true } });
    };
    const onRefusal = (...replyArgs: unknown[]) => {
      const refused = outcome.refusal!;
      if (!matches(refused.match, replyArgs)) return;
      finish({ kind: 'answered', ack: refusal(refused.code?.(...replyArgs) ?? 'refused', JSON.stringify(replyArgs)) });
    };
    const timer = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
    socket.on(outcome.reply, onReply);
    if (outcome.refusal) socket.on(outcome.refusal.event, onRefusal);
    socket.emit(mapping.event, ...args);
  });
}

async function performHttp<O extends OperationName>(mapping: Extract<OperationMapping<O>, { http: unknown }>, input: OperationInputs[O], options: PerformOptions): Promise<Performed> {
  const request = mapping.http(input, options.user);
  try {
    const res = await sendTargetRequest(options.url, request, options.identity.http(await options.identity.credentials(options.user)));
    const ok = mapping.okStatus ? mapping.okStatus.includes(res.status) : res.status >= 200 && res.status < 300;
    if (!ok) return { kind: 'answered', ack: refusal(typeof res.body?.error?.code === 'string' ? res.body.error.code : `http_${res.status}`, JSON.stringify(res.body)) };
    return { kind: 'answered', ack: mapping.result ? extracted(() => mapping.result!(res, input)) : { ok: true } };
  } catch (error) {
    return (error as Error).name === 'TimeoutError' ? { kind: 'timeout' } : { kind: 'answered', ack: refusal('http_network', (error as Error).message) };
  }
}

/** The contract's name of the HTTP route tag an operation is measured under. */
export function operationRoute(name: OperationName, mapping: OperationMapping<OperationName>): string {
  return 'http' in mapping ? (mapping.route ?? name) : mapping.event;
}

export interface ReadPush {
  event: PushName;
  payload: Partial<PushPayloads[PushName]>;
}

/** A reader of the app's events: which contract pushes one app event is, read into their payloads. */
export interface PushReader {
  /** The app's event names that are pushes. */
  readonly events: ReadonlySet<string>;
  read(event: string, args: unknown[]): ReadPush[];
}

export function createPushReader(pushes: PushesProfile): PushReader {
  const byEvent = new Map<string, [PushName, (...args: any[]) => unknown][]>();
  for (const [name, mapping] of Object.entries(pushes) as [PushName, { event: string; read(...args: any[]): unknown }][]) {
    byEvent.set(mapping.event, [...(byEvent.get(mapping.event) ?? []), [name, mapping.read]]);
  }
  return {
    events: new Set(byEvent.keys()),
    read(event, args) {
      const readers = byEvent.get(event);
      if (!readers) return [];
      const out: ReadPush[] = [];
      for (const [name, read] of readers) {
        let payload: unknown;
        try {
          payload = read(...args);
        } catch {
          // A payload the profile's extractor did not expect is not this push.
          continue;
        }
        if (payload && typeof payload === 'object') out.push({ event: name, payload: payload as ReadPush['payload'] });
      }
      return out;
    },
  };
}

/** The app's greeting read as the contract's session, or undefined when this event is not it. */
export function readSession(mapping: SessionMapping | undefined, event: string, args: unknown[]): Record<string, unknown> | undefined {
  if (!mapping || mapping === 'none' || mapping.event !== event) return undefined;
  try {
    return (mapping.read(...args) as Record<string, unknown> | undefined) ?? undefined;
  } catch {
    return undefined;
  }
}
