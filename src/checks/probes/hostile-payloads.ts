import { isId } from '../../contract/index.ts';

/*
 * Hostile payload tables for the authz and robustness probes (docs/contract.md §2: an id is
 * `^[A-Za-z0-9_-]{1,64}$`, anything else is bad_request). Pure data: ids of records the probe
 * created are arguments.
 */

export interface HostileValue {
  /** For evidence: 'an array mixing an allowed and a forbidden id'. */
  name: string;
  /** `undefined`: the event is sent with no payload. */
  value: unknown;
  /** It passes the id pattern ('toString'): a server may look it up and answer not_found or forbidden instead of bad_request. */
  idShaped: boolean;
}

const value = (name: string, v: unknown): HostileValue => ({ name, value: v, idShaped: isId(v) });

/** Names that are ids by the pattern but also keys of every JavaScript object. */
export const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'] as const;

/**
 * Values that are no id in any reading and name no record: for robustness, where the question
 * is whether the server survives and answers bad_request. Arrays here never start with an
 * id-shaped element: arrays of ids are the authorization probe's (judged by receipt).
 */
export function malformedIdValues(): HostileValue[] {
  return [
    value('an object', { id: 'x', nested: { a: [1, 2] } }),
    value('an object with an own "__proto__" key', JSON.parse('{"__proto__":{"polluted":true}}')),
    value('{constructor: "x", toString: "y"}', { constructor: 'x', toString: 'y' }),
    value('a number', 42),
    value('null', null),
    value('true', true),
    value('no payload', undefined),
    value('an empty string', ''),
    value('a string containing ":"', 'a:b'),
    value('a 65-character string', 'a'.repeat(65)),
    value('a 10 000-character string', 'x'.repeat(10_000)),
    value('an array of a number and a string', [42, 'x']),
    value('a nested array', [['x']]),
    value('a 1000-element array of numbers', Array.from({ length: 1000 }, (_, i) => i)),
    ...PROTOTYPE_NAMES.map((name) => value(`the string "${name}"`, name)),
  ];
}

/**
 * Values that try to smuggle `forbidden` past a check that `allowed` would pass, or reach a room
 * by its name: for the authorization probe, judged by receipt. `roomPrefix` is the room kind
 * ('listing', 'booking', 'presence'); `victimUserId` names someone's user room.
 */
export function smugglingIdValues(options: { allowed: string; forbidden: string; roomPrefix: string; victimUserId: string }): HostileValue[] {
  const { allowed, forbidden, roomPrefix, victimUserId } = options;
  return [
    value('an array mixing an allowed and a forbidden id (allowed first)', [allowed, forbidden]),
    value('an array mixing an allowed and a forbidden id (forbidden first)', [forbidden, allowed]),
    value('an array of the allowed id twice and the forbidden id', [allowed, allowed, forbidden]),
    value('a nested array around the forbidden id', [[forbidden]]),
    value('an object {id: forbidden}', { id: forbidden }),
    value(`an object {${roomPrefix}Id: forbidden}`, { [`${roomPrefix}Id`]: forbidden }),
    value('an object with the forbidden id behind an own "__proto__" key', JSON.parse(`{"__proto__":${JSON.stringify({ id: forbidden })}}`)),
    value('a number', 42),
    value('null', null),
    value('no payload', undefined),
    ...PROTOTYPE_NAMES.slice(0, 3).map((name) => value(`the string "${name}"`, name)),
    value(`the room name "${roomPrefix}:<forbidden>"`, `${roomPrefix}:${forbidden}`),
    value('"<allowed>:<forbidden>"', `${allowed}:${forbidden}`),
    value('a user room name "user:<victim>"', `user:${victimUserId}`),
    value('the forbidden id padded to 65 characters', forbidden.padEnd(65, 'x')),
    value('the forbidden id with a trailing space', `${forbidden} `),
  ];
}

/** A copy of `base` with `field` set to `fieldValue` (removed when `fieldValue` is undefined). */
export function withField(base: Record<string, unknown>, field: string, fieldValue: unknown): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...base };
  if (fieldValue === undefined) delete copy[field];
  else copy[field] = fieldValue;
  return copy;
}

/** Every field of `base` behind an own "__proto__" key, as JSON.parse builds it from the wire. */
export function behindProtoKey(base: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(`{"__proto__":${JSON.stringify(base)}}`) as Record<string, unknown>;
}

/** For evidence: a short, printable form of a payload. */
export function describeValue(payload: unknown): string {
  if (payload === undefined) return '(no payload)';
  let text: string;
  try {
    text = JSON.stringify(payload) ?? String(payload);
  } catch {
    text = String(payload);
  }
  return text.length > 80 ? `${text.slice(0, 77)}... (${text.length} chars)` : text;
}

/** Event names no contract server handles, some of them Object.prototype's own keys. */
export const ODD_EVENT_NAMES = [
  'nope',
  'listing:watchh',
  'LISTING:WATCH',
  'message:send ',
  '',
  '__proto__',
  'constructor',
  'hasOwnProperty',
  'toString',
  'valueOf',
  '__defineGetter__',
  'error',
  'x'.repeat(10_000),
];

/** Socket.IO packets as written into an engine.io message (the engine adds its own '4'), with what each is. */
export const RAW_FRAMES: [string, string][] = [
  ['a numeric event name', '2[42,"x"]'],
  ['an event named "__proto__"', '2["__proto__",{"x":1}]'],
  ['an event named "constructor" with an ack id', '27["constructor",{"x":1}]'],
  ['an object instead of an event array', '2{"event":"listing:watch"}'],
  ['an empty event array', '2[]'],
  ['a reserved event name', '2["disconnecting","x"]'],
  ['truncated JSON', '2["message:send",{"bookingId":'],
  ['an ack for an id never sent', '3999["x"]'],
  ['a binary event announcing attachments that never come', '51-["listing:watch",{"_placeholder":true,"num":0}]'],
  ['an unknown packet type', '9["x"]'],
  ['a connect packet for an unknown namespace', '0/nope,'],
  ['garbage', '\u0000\uffff not a packet'],
];

/** An event name short enough for a report line. */
export const eventNameLabel = (name: string) => (name.length > 40 ? `a ${name.length}-character name` : JSON.stringify(name));
