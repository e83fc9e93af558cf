/**
 * Tables as Markdown rows under their header: `| name | price |`, `| --- | --- |`, then one line
 * a row. Every extractor that finds a table (HTML, DOCX, PPTX, spreadsheets, CSV) makes its
 * section here, so that tables read alike whatever they came from, and the chunker repeats the
 * header in every chunk of a long table (see chunk.ts).
 */
import type { Section } from './section.js';

/** Where a table sits in its document; copied into its section. */
export interface TablePlace {
  heading?: string;
  page?: number;
}

/** A cell's text on one line, with the pipes that would end the cell escaped. */
export function cellText(text: string): string {
  return text.replace(/\s+/g, ' ').trim().replace(/\|/g, '\\|');
}

const markdownRow = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;

/**
 * The section of a table whose first row is its header, or a plain-text section when there is
 * nothing tabular about it (one column: a layout table; one row: a line of labels). Rows with no
 * text are dropped, and columns empty in every row are too (spreadsheets pad to a used range).
 */
export function tableSection(rows: ReadonlyArray<readonly string[]>, place: TablePlace = {}): Section | undefined {
  const cleaned = rows.map((row) => row.map(cellText)).filter((row) => row.some((cell) => cell !== ''));
  if (cleaned.length === 0) return undefined;
  const width = Math.max(...cleaned.map((row) => row.length));
  const used = Array.from({ length: width }, (_, column) => cleaned.some((row) => (row[column] ?? '') !== ''));
  const table = cleaned.map((row) => used.flatMap((keep, column) => (keep ? [row[column] ?? ''] : [])));
  const columns = table[0]!.length;
  if (columns < 2 || table.length < 2) {
    const text = table.map((row) => row.filter(Boolean).join(' ')).join('\n');
    return { text, ...place };
  }
  const header = `${markdownRow(table[0]!)}\n${markdownRow(Array.from({ length: columns }, () => '---'))}`;
  return { text: table.slice(1).map(markdownRow).join('\n'), ...place, records: { separator: '\n', header } };
}
