import { describe, expect, it } from 'vitest';
import { findAll, junitProblems, parseXml } from './xml.ts';

describe('the test XML reader', () => {
  it('reads elements, attributes, entities and text', () => {
    const root = parseXml('<?xml version="1.0"?>\n<a x="1 &amp; 2"><b>t&lt;3</b><b/></a>\n');
    expect(root.attributes.x).toBe('1 & 2');
    expect(findAll(root, 'b').map((b) => b.text)).toEqual(['t<3', '']);
  });

  it.each(['<a><b></a>', '<a x="1" x="2"/>', '<a>&nope;</a>', '<a>x & y</a>', '<a/><b/>', '<a'])('refuses %s', (xml) => {
    expect(() => parseXml(xml)).toThrow();
  });

  it('finds what a JUnit file lacks', () => {
    expect(junitProblems(parseXml('<testsuites><testsuite name="s" tests="2" failures="0"><testcase name="a"/><testcase classname="c" name="b"><failure/></testcase></testsuite></testsuites>')))
      .toEqual(['testsuite tests="2" but 2 testcases', 'testsuite failures="0" but 1 failed testcases', 'testcase without classname', '<failure> of b without a message'].filter((p) => !p.startsWith('testsuite tests')));
  });
});
