import { describe, expect, it } from 'vitest';
import { parseEngineIoOpen } from './engine-io-handshake.ts';

describe('parseEngineIoOpen', () => {
  it('reads an EIO 4 open packet', () => {
    const body = '0{"sid":"abc","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}';
    expect(parseEngineIoOpen(body, 4)).toEqual({ eio: 4, sid: 'abc', upgrades: ['websocket'], pingIntervalMs: 25_000, pingTimeoutMs: 20_000, maxPayloadBytes: 1_000_000 });
  });

  it('reads an EIO 3 open packet framed with its length, followed by another packet', () => {
    const json = '{"sid":"x","upgrades":[],"pingInterval":25000,"pingTimeout":5000}';
    expect(parseEngineIoOpen(`${json.length + 1}:0${json}2:40`, 3)).toEqual({ eio: 3, sid: 'x', upgrades: [], pingIntervalMs: 25_000, pingTimeoutMs: 5_000 });
  });

  it.each([
    ['an error body', '{"code":5,"message":"Unsupported protocol version"}', 4],
    ['an HTML page', '<html>not found</html>', 4],
    ['an open packet without timings', '0{"sid":"abc"}', 4],
    ['an EIO 4 body read as EIO 3', '0{"sid":"abc","upgrades":[],"pingInterval":1,"pingTimeout":1}', 3],
  ] as const)('is undefined for %s', (_name, body, eio) => {
    expect(parseEngineIoOpen(body, eio)).toBeUndefined();
  });
});
