/**
 * Tables as Markdown rows under their header: `| name | price |`, `| --- | --- |`, then one line
 * a row. Every extractor that finds a table (HTML, DOCX, PPTX, spreadsheets, CSV) makes its
 * section here, so that tables read alike whatever they came from, and the chunker repeats the
 * header in every chunk of a long table (see chunk.ts).
 */
import { ExtractError } from './errors.js';
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

/**
 * Counts characters as an extractor produces them, and stops it as soon as the document is over
 * MAX_EXTRACTED_CHARS: spreadsheets can declare a cell repeated a million times, or a used range
 * of millions of empty cells, and must not be expanded before the total is checked.
 */
export class TextBudget {
  private used = 0;
  constructor(private readonly maxChars: number) {}

  charge(chars: number): void {
    this.used += chars;
    if (this.used > this.maxChars) {
      throw new ExtractError('too_much_text', `more than ${this.maxChars} characters of text (MAX_EXTRACTED_CHARS)`);
    }
  }
}
