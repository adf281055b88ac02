import { describe, expect, it } from 'vitest';
import { renderMarkdownTable, renderTextTable, type Table } from './table.ts';

const table: Table = {
  headers: ['series', 'count'],
  align: ['left', 'right'],
  rows: [
    ['ack{event:bid}', '1,234'],
    ['µ|x', '5'],
  ],
};

describe('renderTextTable', () => {
  it('pads columns to the widest cell, right-aligning numbers', () => {
    expect(renderTextTable(table)).toEqual([
      '  series          count',
      '  ack{event:bid}  1,234',
      '  µ|x                 5',
    ]);
  });

  it('trims trailing spaces from empty last cells', () => {
    const lines = renderTextTable({ headers: ['a', 'b'], align: ['left', 'left'], rows: [['x', '']] });
    expect(lines.every((line) => line === line.trimEnd())).toBe(true);
  });
});

describe('renderMarkdownTable', () => {
  it('writes a header, an alignment row and escapes pipes', () => {
    expect(renderMarkdownTable(table)).toEqual([
      '| series | count |',
      '|---|---:|',
      '| ack{event:bid} | 1,234 |',
      '| µ\\|x | 5 |',
    ]);
  });
});
