import { describe, expect, it } from 'vitest';
import { limitEvidence, listSeqs, quoteBody } from './messaging-evidence.ts';

describe('evidence helpers', () => {
  it('limitEvidence keeps short lists and says how many more', () => {
    expect(limitEvidence(['a', 'b'], 2)).toEqual(['a', 'b']);
    expect(limitEvidence(['a', 'b', 'c', 'd'], 2)).toEqual(['a', 'b', '… and 2 more like these']);
  });

  it.each([
    { body: 'hi', max: 40, out: '"hi"' },
    { body: 'abcdef', max: 3, out: '"abc…"' },
    { body: 7, max: 3, out: '7' },
    { body: undefined, max: 3, out: 'undefined' },
  ])('quoteBody($body)', ({ body, max, out }) => {
    expect(quoteBody(body, max)).toBe(out);
  });

  it('listSeqs cuts long lists', () => {
    expect(listSeqs([1, 2, 3])).toBe('1, 2, 3');
    expect(listSeqs([1, 2, 3, 4], 2)).toBe('1, 2 … (4 in all)');
  });
});
