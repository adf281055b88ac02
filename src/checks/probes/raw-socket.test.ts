import { describe, expect, it } from 'vitest';
import { engineUrl, offsetOf, parseEventFrame } from './raw-socket.ts';

describe('raw Socket.IO frames', () => {
  it.each([
    ['http://127.0.0.1:3000', 'ws://127.0.0.1:3000/socket.io/?EIO=4&transport=websocket'],
    ['https://example.com/', 'wss://example.com/socket.io/?EIO=4&transport=websocket'],
  ])('engineUrl(%s) is %s', (base, url) => {
    expect(engineUrl(base)).toBe(url);
  });

  it.each([
    ['42["message:new",{"id":"m1"},"1-0"]', { event: 'message:new', args: [{ id: 'm1' }, '1-0'] }],
    ['4217["ping",1]', { event: 'ping', args: [1] }],
    ['40{"sid":"x"}', undefined],
    ['44{"message":"unauthorized"}', undefined],
    ['42not json', undefined],
    ['42[1,2]', undefined],
    ['42{"a":1}', undefined],
  ])('parseEventFrame(%s)', (frame, expected) => {
    const event = parseEventFrame(frame);
    expect(event === undefined ? undefined : { event: event.event, args: event.args }).toEqual(expected);
  });

  it('reads the offset as the one trailing string after the payload, as socket.io-client does', () => {
    const event = (frame: string) => parseEventFrame(frame)!;
    expect(offsetOf(event('42["message:new",{"id":"m1"},"1723-0"]'), 1)).toBe('1723-0');
    expect(offsetOf(event('42["message:new",{"id":"m1"}]'), 1)).toBeUndefined();
    expect(offsetOf(event('42["message:new",{"id":"m1"},7]'), 1)).toBeUndefined();
    expect(offsetOf(event('42["typing",{"a":1},"x","y"]'), 1)).toBeUndefined();
  });
});
