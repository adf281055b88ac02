import { describe, expect, it } from 'vitest';
import { escapeHtml, jsonForScript, scriptText, styleText } from './escape.ts';

describe('escapeHtml', () => {
  it.each([
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['" onmouseover="x', '&quot; onmouseover=&quot;x'],
    ["' autofocus '", '&#39; autofocus &#39;'],
    ['&lt; stays text', '&amp;lt; stays text'],
    ['plain', 'plain'],
  ])('%s', (text, escaped) => expect(escapeHtml(text)).toBe(escaped));

  it('takes numbers and the like as their text', () => expect(escapeHtml(42)).toBe('42'));
});

describe('jsonForScript', () => {
  const hostile = { label: '</script><script>alert(1)</script><!-- & \u2028 \u2029', n: [1, null] };

  it('leaves nothing that ends the script element or opens a comment', () => {
    const json = jsonForScript(hostile);
    expect(json).not.toMatch(/[<>&\u2028\u2029]/);
  });

  it('reads back unchanged', () => expect(JSON.parse(jsonForScript(hostile))).toEqual(hostile));
});

describe('inlined code and styles', () => {
  it('refuses code or css that would end its element early, and passes the rest through', () => {
    expect(() => scriptText('var s = "</SCRIPT>"', 'lib.js')).toThrow(/lib\.js contains "<\/script"/);
    expect(() => scriptText('x <!-- y', 'lib.js')).toThrow(/cannot be inlined/);
    expect(() => styleText('a{} </style><b>', 'lib.css')).toThrow(/lib\.css contains "<\/style"/);
    expect(scriptText('a < b', 'lib.js')).toBe('a < b');
  });
});
