/**
 * CSV and TSV through csv-parse: the first record is the header, every other record a Markdown
 * row under it (the chunker repeats the header in each chunk). A CSV's delimiter is sniffed from
 * its first line (`,`, `;` as spreadsheets write it in much of Europe, tab, `|`).
 */
import { parse } from 'csv-parse/sync';
import { ExtractError } from './errors.js';
import type { Section } from './section.js';
import { tableSection } from './table.js';

export function extractDelimited(text: string, kind: 'csv' | 'tsv'): Section[] {
  const delimiter = kind === 'tsv' ? '\t' : sniffDelimiter(text);
  let rows: string[][];
  try {
    rows = parse(text, { delimiter, bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: true, skip_records_with_empty_values: true }) as string[][];
  } catch (err) {
    throw new ExtractError('corrupt', `${kind.toUpperCase()} could not be parsed: ${err instanceof Error ? err.message : String(err)}`);
  }
  const section = tableSection(rows);
  return section ? [section] : [];
}

/** The candidate found most often in the first line, outside quotes; `,` when none is. */
function sniffDelimiter(text: string): string {
  const newline = text.indexOf('\n');
  const first = (newline === -1 ? text : text.slice(0, newline)).replace(/"[^"]*"/g, '');
  let best = ',';
  let most = 0;
  for (const candidate of [',', ';', '\t', '|']) {
    const count = first.split(candidate).length - 1;
    if (count > most) {
      best = candidate;
      most = count;
    }
  }
  return best;
}
