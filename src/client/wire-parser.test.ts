import { Decoder as StockDecoder, Encoder as StockEncoder, PacketType, type Packet } from 'socket.io-parser';
import { describe, expect, it } from 'vitest';
import { containsBinary, Decoder, decodeShort, Encoder } from './wire-parser.ts';

/** What a decoder makes of a sequence of chunks: its packets, or the error it threw. */
function decodeWith(decoder: StockDecoder, chunks: unknown[]): { packets: Packet[] } | { error: string } {
  const packets: Packet[] = [];
  decoder.on('decoded', (packet: Packet) => packets.push(packet));
  try {
    for (const chunk of chunks) decoder.add(chunk);
    return { packets };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

const sameDecoding = (chunks: unknown[]) => {
  const ours = decodeWith(new Decoder(), chunks);
  const stock = decodeWith(new StockDecoder(), chunks);
  expect(ours).toStrictEqual(stock);
  return ours;
};

describe('wire parser: encodes as socket.io-parser does', () => {
  const packets: Packet[] = [
    { type: PacketType.EVENT, nsp: '/', data: ['listing:watch', 'l1'] },
    { type: PacketType.EVENT, nsp: '/', id: 0, data: ['listing:watch', 'l1'] },
    { type: PacketType.EVENT, nsp: '/', id: 1234567, data: ['message:send', { bookingId: 'b1', body: 'héllo "quoted" \u2028', clientMsgId: 'x' }] },
    { type: PacketType.EVENT, nsp: '/', data: [7, null, true, 1.5, [], {}] },
    { type: PacketType.ACK, nsp: '/', id: 42, data: [{ ok: true, nested: { deep: [1, 2, { x: 'y' }] } }] },
    { type: PacketType.ACK, nsp: '/', id: 3, data: [] },
    { type: PacketType.EVENT, nsp: '/admin', id: 5, data: ['presence:watch', 'u1'] },
    { type: PacketType.EVENT, nsp: '/', data: ['upload', Buffer.from([1, 2, 3])] },
    { type: PacketType.ACK, nsp: '/', id: 9, data: [{ file: new Uint8Array([4, 5]) }] },
    { type: PacketType.EVENT, nsp: '/', data: ['dated', { at: new Date(0) }] },
    { type: PacketType.EVENT, nsp: '/', data: ['wrapped', { toJSON: () => ({ inner: Buffer.from('a') }) }] },
    { type: PacketType.CONNECT, nsp: '/', data: { token: 'abc' } },
    { type: PacketType.CONNECT, nsp: '/admin' },
    { type: PacketType.DISCONNECT, nsp: '/' },
  ];

  it.each(packets.map((packet, i) => [i, packet] as const))('packet %i', (_i, packet) => {
    expect(new Encoder().encode(packet)).toStrictEqual(new StockEncoder().encode(packet));
  });

  it('leaves binary data to the stock encoder (a placeholder string, then the buffers)', () => {
    const encoded = new Encoder().encode({ type: PacketType.EVENT, nsp: '/', data: ['upload', Buffer.from([1, 2, 3])] });
    expect(encoded).toHaveLength(2);
    expect(encoded[0]).toBe('51-["upload",{"_placeholder":true,"num":0}]');
  });
});

describe('wire parser: decodes as socket.io-parser does', () => {
  const strings = [
    '2["listing:watch","l1"]',
    '20["listing:watch","l1"]',
    '2123456789["message:new",{"seq":1,"body":"x"}]',
    '3123[{"ok":true,"listing":{"id":"l1","price":10}}]',
    '30[]',
    '2[7,"numeric event name"]',
    '2/admin,5["presence:changed",{"online":true}]',
    '0{"sid":"abc"}',
    '0/admin,{"sid":"abc"}',
    '4{"message":"unauthorized"}',
    '4"plain reason"',
    '1',
    '1/admin,',
    // Malformed or invalid: both must refuse, with the same words.
    '2',
    '2[',
    '2["connect"]',
    '2["disconnect",1]',
    '2[]',
    '2[null]',
    '2{"not":"an array"}',
    '3{"not":"an array"}',
    '3',
    '2abc',
    '2 ["spaced"]',
    '21 ["spaced after id"]',
    '9["unknown type"]',
    '2["x"]trailing',
    // Ids past what the short path reads exactly.
    '29007199254740993["big"]',
    '2123456789012345678["bigger"]',
  ];

  it.each(strings)('%s', (text) => {
    sameDecoding([text]);
  });

  it('takes the short path for plain events and acks, and only for those', () => {
    expect(decodeShort('2["listing:watch","l1"]')).toStrictEqual({ type: PacketType.EVENT, nsp: '/', data: ['listing:watch', 'l1'] });
    expect(decodeShort('317[{"ok":true}]')).toStrictEqual({ type: PacketType.ACK, nsp: '/', id: 17, data: [{ ok: true }] });
    for (const other of ['0{"sid":"a"}', '2/admin,["x"]', '51-["u",{"_placeholder":true,"num":0}]', '2', '2 ["x"]', '2["connect"]']) {
      expect(decodeShort(other), other).toBeUndefined();
    }
  });

  it('reassembles a binary event through the stock decoder, and goes back to the short path after it', () => {
    const encoded = new StockEncoder().encode({ type: PacketType.EVENT, nsp: '/', id: 4, data: ['upload', Buffer.from([1, 2, 3])] });
    const result = sameDecoding([...encoded, '2["after",1]']);
    expect(result).toMatchObject({ packets: [{ type: PacketType.EVENT, id: 4 }, { data: ['after', 1] }] });
  });

  it('refuses plain text in the middle of a binary packet, as the stock decoder does', () => {
    const result = sameDecoding(['51-["upload",{"_placeholder":true,"num":0}]', '2["too early"]']);
    expect(result).toStrictEqual({ error: 'got plaintext data when reconstructing a packet' });
  });

  it('agrees with the stock parser on a seeded stream of random packets, both ways', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)] as T;
    const value = (depth: number): unknown => {
      const kind = Math.floor(random() * (depth > 2 ? 4 : 6));
      if (kind === 0) return Math.floor(random() * 1e6) / (random() < 0.5 ? 1 : 7);
      if (kind === 1) return pick(['', 'a', 'héllo', '"', '\\', '\n', '\u2028', 'listing:watch', '😀']);
      if (kind === 2) return pick([true, false, null]);
      if (kind === 3) return -Math.floor(random() * 100);
      if (kind === 4) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(random() * 4) }, (_, i) => [pick(['k', 'id', '__proto__x', `f${i}`]), value(depth + 1)]));
    };
    for (let n = 0; n < 2_000; n++) {
      const type = random() < 0.5 ? PacketType.EVENT : PacketType.ACK;
      const packet: Packet = { type, nsp: random() < 0.9 ? '/' : '/other', data: type === PacketType.EVENT ? [pick(['e', 'message:new', 'x:y']), value(0)] : [value(0)] };
      if (random() < 0.7) packet.id = Math.floor(random() * 1e9);
      const ours = new Encoder().encode(packet);
      expect(ours).toStrictEqual(new StockEncoder().encode(packet));
      sameDecoding(ours);
    }
  });
});

describe('containsBinary', () => {
  it('finds binary at any depth, through toJSON, and nothing in plain JSON', () => {
    expect(containsBinary(['a', { b: [1, { c: Buffer.from('x') }] }])).toBe(true);
    expect(containsBinary(new ArrayBuffer(2))).toBe(true);
    expect(containsBinary(new Blob(['x']))).toBe(true);
    expect(containsBinary({ toJSON: () => new Uint8Array(1) })).toBe(true);
    expect(containsBinary(['a', 1, null, { b: [true, { c: 'x' }] }, new Date(0)])).toBe(false);
  });
});
