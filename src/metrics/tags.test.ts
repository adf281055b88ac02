import { describe, expect, it } from 'vitest';
import { seriesKey, tagsInclude, type Tags } from './tags.ts';

describe('seriesKey', () => {
  it.each<[string, Tags, string]>([
    ['ack', {}, 'ack'],
    ['ack', { event: 'message:send' }, 'ack{event:message:send}'],
    ['ack', { node: '2', event: 'bid' }, 'ack{event:bid,node:2}'],
    ['errors', { b: '2', a: '1', c: '3' }, 'errors{a:1,b:2,c:3}'],
  ])('%s %j is %s', (name, tags, key) => expect(seriesKey(name, tags)).toBe(key));

  it('does not depend on the order tags were written in', () => {
    expect(seriesKey('x', { a: '1', b: '2' })).toBe(seriesKey('x', { b: '2', a: '1' }));
  });
});

describe('tagsInclude', () => {
  it.each<[Tags, Tags, boolean]>([
    [{ event: 'bid', node: '1' }, {}, true],
    [{ event: 'bid', node: '1' }, { event: 'bid' }, true],
    [{ event: 'bid', node: '1' }, { event: 'bid', node: '1' }, true],
    [{ event: 'bid', node: '1' }, { event: 'ask' }, false],
    [{ event: 'bid' }, { node: '1' }, false],
    [{}, { event: 'bid' }, false],
  ])('%j includes %j: %s', (tags, wanted, included) => expect(tagsInclude(tags, wanted)).toBe(included));
});
