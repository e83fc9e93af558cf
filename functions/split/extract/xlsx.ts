/**
 * XLSX: one table a sheet, the sheet's name as heading, its rows as Markdown rows under the
 * first row. Read from the workbook XML with the container guards of container.ts, not with
 * SheetJS (`xlsx` on npm is an old release with known vulnerabilities; newer ones are not
 * published there) or exceljs (unmaintained, its own unzip bypasses our inflate budget). Cells
 * show their stored (cached) value: shared and inline strings, numbers, booleans, errors, and
 * numbers in a date format as ISO dates. Formulas themselves, comments, charts are not read.
 */
import { localName, openContainer, relationships, type ContainerOptions } from './container.js';
import type { Section } from './section.js';
import { tableSection } from './table.js';
import { TextBudget } from './text-budget.js';
import { walkXml } from './xml.js';

export interface XlsxOptions extends ContainerOptions {
  maxExtractedChars: number;
}

const WORKBOOK = 'xl/workbook.xml';
/** Excel's columns end at XFD (16 384); a reference beyond it is damage, not data. */
const MAX_COLUMNS = 16_384;

export async function extractXlsx(bytes: Uint8Array, options: XlsxOptions): Promise<Section[]> {
  const container = await openContainer(bytes, 'XLSX', options, 'refuse');
  const rels = await relationships(container, WORKBOOK);
  const sheets: Array<{ name: string; part: string }> = [];
  let date1904 = false;
  walkXml(await container.text(WORKBOOK), {
    open: (name, attributes) => {
      const local = localName(name);
      if (local === 'workbookPr') date1904 = attributes.date1904 === '1' || attributes.date1904 === 'true';
      if (local !== 'sheet') return;
      const part = rels.get(attributes['r:id'] ?? '')?.target;
      if (part) sheets.push({ name: attributes.name ?? part, part });
    },
  });
  const targets = [...rels.values()];
  const budget = new TextBudget(options.maxExtractedChars);
  const sharedPart = targets.find((rel) => rel.type.endsWith('/sharedStrings'))?.target;
  const shared = sharedPart ? readSharedStrings((await container.optionalText(sharedPart)) ?? '', budget) : [];
  const stylesPart = targets.find((rel) => rel.type.endsWith('/styles'))?.target;
  const dateStyles = stylesPart ? readDateStyles((await container.optionalText(stylesPart)) ?? '') : new Set<number>();
  const sections: Section[] = [];
  for (const sheet of sheets) {
    const xml = await container.optionalText(sheet.part);
    if (xml === undefined) continue;
    const rows = readSheet(xml, { shared, dateStyles, date1904, budget });
    const section = tableSection(rows, { heading: sheet.name });
    if (section) sections.push(section);
  }
  return sections;
}

/** `<si>` items: the text of their runs (`<t>`), without phonetic guides (`<rPh>`). */
function readSharedStrings(xml: string, budget: TextBudget): string[] {
  const strings: string[] = [];
  let current: string | undefined;
  let inText = false;
  let phonetic = 0;
  walkXml(xml, {
    open: (name) => {
      const local = localName(name);
      if (local === 'si') current = '';
      else if (local === 'rPh') phonetic++;
      else if (local === 't') inText = phonetic === 0;
    },
    text: (text) => {
      if (!inText || current === undefined) return;
      budget.charge(text.length);
      current += text;
    },
    close: (name) => {
      const local = localName(name);
      if (local === 't') inText = false;
      else if (local === 'rPh') phonetic--;
      else if (local === 'si') {
        strings.push(current ?? '');
        current = undefined;
      }
    },
  });
  return strings;
}

/** Built-in number formats that are dates or times (ECMA-376 §18.8.30). */
const BUILTIN_DATE_FORMATS = new Set([14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47]);

/** Indexes of the cell styles (`cellXfs`) whose number format shows a date. */
function readDateStyles(xml: string): Set<number> {
  const custom = new Map<number, string>();
  const dates = new Set<number>();
  let inCellXfs = false;
  let index = 0;
  walkXml(xml, {
    open: (name, attributes) => {
      const local = localName(name);
      if (local === 'numFmt') custom.set(Number(attributes.numFmtId), attributes.formatCode ?? '');
      else if (local === 'cellXfs') inCellXfs = true;
      else if (local === 'xf' && inCellXfs) {
        const id = Number(attributes.numFmtId ?? 0);
        const code = custom.get(id);
        if (BUILTIN_DATE_FORMATS.has(id) || (code !== undefined && isDateFormat(code))) dates.add(index);
        index++;
      }
    },
    close: (name) => {
      if (localName(name) === 'cellXfs') inCellXfs = false;
    },
  });
  return dates;
}

/** A format code that shows a day, month or year: `yyyy-mm-dd`, `d/m/yy h:mm` (quoted text and colours aside). */
function isDateFormat(code: string): boolean {
  const bare = code.replace(/"[^"]*"|\[[^\]]*\]|\\./g, '');
  return /[dy]/i.test(bare) || /m{3,}/i.test(bare);
}

interface SheetContext {
  shared: readonly string[];
  dateStyles: ReadonlySet<number>;
  date1904: boolean;
  budget: TextBudget;
}

function readSheet(xml: string, context: SheetContext): string[][] {
  const rows: string[][] = [];
  let row: string[] | undefined;
  let cell: { column: number; type: string; style: number; value: string; inline: string } | undefined;
  let into: 'value' | 'inline' | undefined;
  walkXml(xml, {
    open: (name, attributes) => {
      const local = localName(name);
      if (local === 'row') row = [];
      else if (local === 'c' && row) {
        const column = attributes.r ? columnIndex(attributes.r) : row.length;
        cell = { column: Math.min(column, MAX_COLUMNS - 1), type: attributes.t ?? 'n', style: Number(attributes.s ?? 0), value: '', inline: '' };
      } else if (cell && local === 'v') into = 'value';
      else if (cell && local === 't') into = 'inline';
    },
    text: (text) => {
      if (!cell || !into) return;
      context.budget.charge(text.length);
      cell[into] += text;
    },
    close: (name) => {
      const local = localName(name);
      if (local === 'v' || local === 't') into = undefined;
      else if (local === 'c' && row && cell) {
        const text = cellValue(cell, context);
        if (text !== '') {
          // Columns skipped by the writer (empty cells) are charged too: a row with one cell in A
          // and one in XFD is 16 384 columns wide.
          context.budget.charge(Math.max(0, cell.column - row.length) + text.length);
          while (row.length < cell.column) row.push('');
          row[cell.column] = text;
        }
        cell = undefined;
      } else if (local === 'row' && row) {
        if (row.length) rows.push(row);
        row = undefined;
      }
    },
  });
  return rows;
}

function cellValue(cell: { type: string; style: number; value: string; inline: string }, context: SheetContext): string {
  switch (cell.type) {
    case 's':
      return context.shared[Number(cell.value)] ?? '';
    case 'inlineStr':
      return cell.inline;
    case 'b':
      return cell.value === '1' ? 'TRUE' : cell.value === '0' ? 'FALSE' : cell.value;
    case 'str':
    case 'e':
      return cell.value;
    default: {
      const number = Number(cell.value);
      if (cell.value !== '' && Number.isFinite(number) && context.dateStyles.has(cell.style)) return excelDate(number, context.date1904);
      return cell.value;
    }
  }
}

/** Serial day number to ISO date (and time, when it has one); Excel's fictional 1900-02-29 aside. */
function excelDate(serial: number, date1904: boolean): string {
  const epoch = date1904 ? Date.UTC(1904, 0, 1) : Date.UTC(1899, 11, 30);
  const ms = Math.round((serial * 86_400_000) / 1000) * 1000;
  const date = new Date(epoch + ms);
  if (Number.isNaN(date.getTime())) return String(serial);
  const iso = date.toISOString();
  return serial % 1 === 0 ? iso.slice(0, 10) : iso.slice(0, 19).replace('T', ' ');
}

/** `BC12` → 54 (0-based). */
function columnIndex(reference: string): number {
  let column = 0;
  for (const ch of reference) {
    const code = ch.charCodeAt(0) & ~0x20;
    if (code < 0x41 || code > 0x5a) break;
    column = column * 26 + (code - 0x40);
    if (column > MAX_COLUMNS) break;
  }
  return Math.max(0, column - 1);
}
