import { describe, expect, it } from 'vitest';
// socket.io-client's own Backoff (not exported by the package: read from its build).
import { Backoff as BackoffFn } from '../../node_modules/socket.io-client/build/esm/contrib/backo2.js';
import { Encoder } from 'socket.io-parser';
import { encodeAckFrame, encodeConnectFrame, encodeEventFrame, parseConnectBody, parseEngineOpen, reconnectDelayMs, refuseBinary } from './lean-protocol.ts';

const Backoff = BackoffFn as unknown as new (options: { min: number; max: number; jitter: number }) => { duration(): number };

/** socket.io-parser's own encoding of a packet of the default namespace, in its Engine.IO message frame. */
const stock = (packet: object) => `4${new Encoder().encode({ nsp: '/', ...packet } as never)[0] as string}`;

describe('lean frames are socket.io-parser\'s', () => {
  it.each([
    { data: ['listing:watch', 'l1'], id: undefined },
    { data: ['message:send', { bookingId: 'b1', body: 'hé "quoted" ✓', n: [1, null, true] }], id: 0 },
    { data: ['x'], id: 1234567 },
    { data: ['undefined args', undefined, null], id: undefined },
  ])('EVENT $data id $id', ({ data, id }) => {
    expect(encodeEventFrame(data, id)).toBe(stock({ type: 2, data, ...(id === undefined ? {} : { id }) }));
  });

  it('ACK and CONNECT', () => {
    expect(encodeAckFrame(7, ['ok', { a: 1 }])).toBe(stock({ type: 3, id: 7, data: ['ok', { a: 1 }] }));
    expect(encodeConnectFrame({ token: 't' })).toBe(stock({ type: 0, data: { token: 't' } }));
    expect(encodeConnectFrame(undefined)).toBe(stock({ type: 0 }));
  });
});

describe('reading the server', () => {
  it('takes the sid and the ping window from an Engine.IO OPEN, and refuses anything else', () => {
    expect(parseEngineOpen('0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}')).toEqual({ sid: 'abc', pingWindowMs: 45_000 });
    expect(parseEngineOpen('0{"sid":"abc"}')).toBeUndefined();
    expect(parseEngineOpen('0not json')).toBeUndefined();
  });

  it('reads CONNECT and CONNECT_ERROR bodies', () => {
    expect(parseConnectBody('40{"sid":"s","pid":"p"}')).toEqual({ sid: 's', pid: 'p' });
    expect(parseConnectBody('44{"message":"unauthorized","data":{"why":"x"}}')).toEqual({ message: 'unauthorized', data: { why: 'x' } });
    expect(parseConnectBody('40')).toBeUndefined();
    expect(parseConnectBody('40[1]')).toBeUndefined();
  });
});

describe('reconnection delay', () => {
  it.each([0, 0.05, 0.15, 0.37, 0.5, 0.64, 0.99])('is socket.io-client\'s Backoff (1 s to 5 s, jitter 0.5) for random %s', (random) => {
    const backoff = new Backoff({ min: 1_000, max: 5_000, jitter: 0.5 });
    const original = Math.random;
    Math.random = () => random;
    try {
      for (let attempt = 0; attempt < 6; attempt++) expect(reconnectDelayMs(attempt, random)).toBe(backoff.duration());
    } finally {
      Math.random = original;
    }
  });
});

describe('binary payloads', () => {
  it('are refused with what to do, at any depth', () => {
    expect(() => refuseBinary('upload', ['name', { file: Buffer.from('x') }])).toThrow(/argument 2 holds binary data/);
    expect(() => refuseBinary('upload', [new Uint8Array(2)])).toThrow(expect.objectContaining({ code: 'BAZAAR_LEAN_BINARY', hint: expect.stringMatching(/without --client lean/) }));
    expect(() => refuseBinary('ok', ['text', { n: 1, list: [1, 'a'] }])).not.toThrow();
  });
});
