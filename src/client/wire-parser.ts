/* The Socket.IO packet parser bazaar's clients use: socket.io-parser's wire format byte for byte,
 * with a short path for the packets a load run is made of.
 *
 * Every VirtualUser is a real socket.io-client; this only replaces the parser it is built with
 * (the client's documented `parser` option). The stock parser runs every packet through a
 * character-by-character scan with a Number() conversion per character and, in the build Node
 * loads, three debug() calls; at thousands of packets a second that is a visible share of the
 * generator's CPU (bench/README.md). The short path covers EVENT and ACK packets of the default
 * namespace with JSON data: the string is built and read exactly as socket.io-parser does, and
 * the same payload checks apply. Everything else (other namespaces, binary attachments, CONNECT,
 * DISCONNECT, CONNECT_ERROR, malformed input) goes to the stock parser, which keeps its errors.
 * wire-parser.test.ts holds both to the same output on a corpus of packets. */
import { Decoder as StockDecoder, Encoder as StockEncoder, PacketType, type Packet } from 'socket.io-parser';

const EVENT = PacketType.EVENT;
const ACK = PacketType.ACK;
const CHAR_EVENT = 50; // '2'
const CHAR_ACK = 51; // '3'
const CHAR_SLASH = 47; // '/'
const CHAR_0 = 48;
const CHAR_9 = 57;
const CHAR_BRACKET = 91; // '['
/** Ack ids above this are left to the stock parser (exact integer arithmetic, as Number() gives). */
const MAX_FAST_ID_DIGITS = 15;

/** Event names the protocol reserves: an EVENT naming one is invalid (as in socket.io-parser). */
const RESERVED_EVENTS = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']);

/** socket.io-parser keeps these private; socket.io-client constructs both without arguments. */
type StockInternals = { replacer?: unknown; reconstructor?: unknown; opts?: { reviver?: unknown } };

export class Encoder extends StockEncoder {
  override encode(packet: Packet): any[] {
    const { type } = packet;
    if (
      (type === EVENT || type === ACK) &&
      (packet.nsp === '/' || packet.nsp === undefined) &&
      (this as unknown as StockInternals).replacer === undefined &&
      !containsBinary(packet.data)
    ) {
      // socket.io-parser's encodeAsString for the default namespace: type, id, JSON data.
      let text = type === EVENT ? '2' : '3';
      if (packet.id != null) text += packet.id;
      if (packet.data != null) text += JSON.stringify(packet.data);
      return [text];
    }
    return super.encode(packet);
  }
}

export class Decoder extends StockDecoder {
  override add(chunk: any): void {
    if (typeof chunk === 'string') {
      const internals = this as unknown as StockInternals;
      const packet = internals.reconstructor || internals.opts?.reviver !== undefined ? undefined : decodeShort(chunk);
      if (packet !== undefined) {
        this.emitReserved('decoded', packet);
        return;
      }
    }
    super.add(chunk);
  }
}

/**
 * An EVENT or ACK of the default namespace with JSON data, decoded as socket.io-parser decodes
 * it; undefined for anything else (the stock decoder takes it, with its own errors).
 */
export function decodeShort(text: string): Packet | undefined {
  const first = text.charCodeAt(0);
  if (first !== CHAR_EVENT && first !== CHAR_ACK) return undefined;
  if (text.charCodeAt(1) === CHAR_SLASH) return undefined;
  let i = 1;
  let id = 0;
  let c = text.charCodeAt(i);
  while (c >= CHAR_0 && c <= CHAR_9) {
    id = id * 10 + (c - CHAR_0);
    c = text.charCodeAt(++i);
  }
  const idDigits = i - 1;
  if (idDigits > MAX_FAST_ID_DIGITS) return undefined;
  // Data must be a JSON array right after the id. Anything else (no data, a space, not JSON)
  // goes to the stock decoder, which reads it its own way or says what is wrong.
  if (text.charCodeAt(i) !== CHAR_BRACKET) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(text.slice(i));
  } catch {
    return undefined;
  }
  const type = first === CHAR_EVENT ? EVENT : ACK;
  if (!Array.isArray(data)) return undefined;
  if (type === EVENT) {
    const name = data[0];
    if (typeof name !== 'number' && (typeof name !== 'string' || RESERVED_EVENTS.has(name))) return undefined;
  }
  // The same keys in the same order as socket.io-parser's packets: an absent id stays absent.
  return idDigits === 0 ? { type, nsp: '/', data } : { type, nsp: '/', id, data };
}

/** socket.io-parser's hasBinary: Buffers, ArrayBuffers and views, Blobs and Files, at any depth. */
export function containsBinary(value: unknown, viaToJSON = false): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (containsBinary(value[i])) return true;
    return false;
  }
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return true;
  if (typeof Blob === 'function' && value instanceof Blob) return true;
  const withToJSON = value as { toJSON?: unknown };
  if (!viaToJSON && typeof withToJSON.toJSON === 'function') return containsBinary((withToJSON.toJSON as () => unknown)(), true);
  for (const key in value) {
    if (Object.prototype.hasOwnProperty.call(value, key) && containsBinary((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}
