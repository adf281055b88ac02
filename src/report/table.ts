export type Align = 'left' | 'right';

export interface Table {
  headers: string[];
  align: Align[];
  rows: string[][];
}

const width = (text: string) => [...text].length;

/** Columns padded to their widest cell, two spaces apart, each line trimmed at the end. */
export function renderTextTable(table: Table, indent = '  '): string[] {
  const widths = table.headers.map((header, column) =>
    Math.max(width(header), ...table.rows.map((row) => width(row[column] ?? ''))),
  );
  const line = (cells: string[]) =>
    indent +
    cells
      .map((cell, column) => {
        const pad = ' '.repeat((widths[column] ?? 0) - width(cell));
        return table.align[column] === 'right' ? pad + cell : cell + pad;
      })
      .join('  ')
      .trimEnd();
  return [line(table.headers), ...table.rows.map(line)];
}

/** A GitHub-flavoured markdown table; pipes in cells are escaped. */
export function renderMarkdownTable(table: Table): string[] {
  const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
  const line = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [
    line(table.headers),
    `|${table.align.map((align) => (align === 'right' ? '---:' : '---')).join('|')}|`,
    ...table.rows.map(line),
  ];
}
