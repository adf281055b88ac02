import { describe, expect, it } from 'vitest';
import { isId } from '../../contract/index.ts';
import { behindProtoKey, describeValue, malformedIdValues, PROTOTYPE_NAMES, smugglingIdValues, withField } from './hostile-payloads.ts';

const smuggling = smugglingIdValues({ allowed: 'l_ok', forbidden: 'l_no', roomPrefix: 'listing', victimUserId: 'u9' });

describe('hostile payload tables', () => {
  it('marks exactly the prototype names as id-shaped', () => {
    for (const table of [malformedIdValues(), smuggling]) {
      for (const v of table) expect(v.idShaped, v.name).toBe(isId(v.value));
      expect(table.filter((v) => v.idShaped).every((v) => (PROTOTYPE_NAMES as readonly unknown[]).includes(v.value))).toBe(true);
    }
  });

  it('never starts a malformed array with an id: arrays of ids belong to the authorization probe', () => {
    for (const v of malformedIdValues()) {
      if (Array.isArray(v.value)) expect(isId(v.value[0]), v.name).toBe(false);
    }
  });

  it('smuggles the forbidden id in every shape, first and second', () => {
    const arrays = smuggling.filter((v) => Array.isArray(v.value)).map((v) => v.value);
    expect(arrays).toContainEqual(['l_ok', 'l_no']);
    expect(arrays).toContainEqual(['l_no', 'l_ok']);
    expect(smuggling.map((v) => v.value)).toEqual(expect.arrayContaining(['listing:l_no', 'user:u9', '__proto__', 42, null, undefined]));
    const padded = smuggling.find((v) => v.name.includes('65'))!.value as string;
    expect(padded).toHaveLength(65);
    expect(padded.startsWith('l_no')).toBe(true);
  });

  it('keeps an own "__proto__" key as the wire does, without touching Object.prototype', () => {
    const payload = behindProtoKey({ bookingId: 'b1' });
    expect(Object.keys(payload)).toEqual(['__proto__']);
    expect(payload.bookingId).toBeUndefined();
    expect(JSON.stringify(payload)).toBe('{"__proto__":{"bookingId":"b1"}}');
    expect(({} as Record<string, unknown>).bookingId).toBeUndefined();
  });

  it('sets and removes one field of a copy', () => {
    const base = { bookingId: 'b1', body: 'hi' };
    expect(withField(base, 'body', 42)).toEqual({ bookingId: 'b1', body: 42 });
    expect(withField(base, 'body', undefined)).toEqual({ bookingId: 'b1' });
    expect(base).toEqual({ bookingId: 'b1', body: 'hi' });
  });

  it('describes payloads briefly', () => {
    expect(describeValue(undefined)).toBe('(no payload)');
    expect(describeValue(['a', 'b'])).toBe('["a","b"]');
    expect(describeValue('x'.repeat(10_000))).toMatch(/\(10002 chars\)$/);
  });
});
