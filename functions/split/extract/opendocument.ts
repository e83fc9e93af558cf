/**
 * OpenDocument (ODT, ODP, ODS) from its content.xml, with the container guards of
 * container.ts. Text documents: one section per heading (`text:h` and its outline level), the
 * heading path kept, tables as Markdown rows. Presentations: one section per slide (`page` =
 * its position, heading = its title frame), speaker notes kept. Spreadsheets: one table a sheet,
 * its name as heading. Repeated rows and columns (`number-*-repeated`, how ODS pads a sheet to
 * a million rows) are expanded only when they hold text, and charged to MAX_EXTRACTED_CHARS
 * before they are. Headers, footers (styles.xml), comments and tracked deletions are not read.
 */
import { localName, openContainer, type ContainerOptions } from './container.js';
import type { Section } from './section.js';
import { tableSection } from './table.js';
import { TextBudget } from './text-budget.js';
import { walkXml } from './xml.js';

export interface OpenDocumentOptions extends ContainerOptions {
  maxExtractedChars: number;
}

/** Elements whose text is not the document's: comments, deleted text, drawing titles. */
const SKIPPED = new Set(['annotation', 'tracked-changes', 'note-citation', 'title', 'desc', 'forms', 'sequence-decls']);

const attribute = (attributes: Record<string, string>, local: string) => {
  for (const [name, value] of Object.entries(attributes)) if (localName(name) === local) return value;
  return undefined;
};

export async function extractOpenDocument(bytes: Uint8Array, kind: 'odt' | 'odp' | 'ods', options: OpenDocumentOptions): Promise<Section[]> {
  const container = await openContainer(bytes, kind.toUpperCase(), options, 'external-only');
  const xml = await container.text('content.xml');
  const budget = new TextBudget(options.maxExtractedChars);
  const sections: Section[] = [];
  const path: string[] = [];
  let lines: string[] = [];
  let page: number | undefined;
  let slideTitle = '';
  let notes: string[] = [];
  let inNotes = 0;
  let skipped = 0;
  // Paragraph text being read, and the frame class (title, notes…) it sits in.
  let paragraph: string | undefined;
  let heading: number | undefined;
  let frameClass: string | undefined;
  // Tables nest (a table in a cell): a stack of them.
  const tables: Array<{ name: string; rows: string[][]; row?: string[]; rowRepeat: number; cell?: string[]; cellRepeat: number }> = [];

  const place = (): { heading?: string; page?: number } => {
    const headingText = kind === 'odp' ? slideTitle : path.join(' › ');
    return { ...(headingText ? { heading: headingText } : {}), ...(page !== undefined ? { page } : {}) };
  };
  const flush = () => {
    const text = lines.join('\n').trim();
    if (text) sections.push({ text, ...place() });
    lines = [];
  };

  walkXml(xml, {
    open: (name, attributes) => {
      const local = localName(name);
      if (skipped || SKIPPED.has(local)) {
        skipped++;
        return;
      }
      const table = tables.at(-1);
      switch (local) {
        case 'page':
          flush();
          page = (page ?? 0) + 1;
          slideTitle = '';
          notes = [];
          break;
        case 'notes':
          inNotes++;
          break;
        case 'frame':
          frameClass = attribute(attributes, 'class');
          break;
        case 'h':
          flush();
          heading = Math.max(1, Number(attribute(attributes, 'outline-level') ?? 1) || 1);
          paragraph = '';
          break;
        case 'p':
          if (paragraph === undefined) paragraph = '';
          break;
        case 's':
          if (paragraph !== undefined) paragraph += ' '.repeat(Math.min(Number(attribute(attributes, 'c') ?? 1) || 1, 100));
          break;
        case 'tab':
          if (paragraph !== undefined) paragraph += '\t';
          break;
        case 'line-break':
          if (paragraph !== undefined) paragraph += '\n';
          break;
        case 'table':
          if (!tables.length) flush();
          tables.push({ name: attribute(attributes, 'name') ?? '', rows: [], rowRepeat: 1, cellRepeat: 1 });
          break;
        case 'table-row':
          if (table) {
            table.row = [];
            table.rowRepeat = Number(attribute(attributes, 'number-rows-repeated') ?? 1) || 1;
          }
          break;
        case 'table-cell':
        case 'covered-table-cell':
          if (table) {
            table.cell = [];
            table.cellRepeat = Number(attribute(attributes, 'number-columns-repeated') ?? 1) || 1;
          }
          break;
      }
    },
    text: (text) => {
      if (skipped || paragraph === undefined) return;
      budget.charge(text.length);
      paragraph += text;
    },
    close: (name) => {
      const local = localName(name);
      if (skipped) {
        skipped--;
        return;
      }
      const table = tables.at(-1);
      switch (local) {
        case 'h':
        case 'p': {
          if (paragraph === undefined) break;
          const text = paragraph;
          paragraph = undefined;
          if (local === 'h' && heading !== undefined && !table) {
            const title = text.replace(/\s+/g, ' ').trim();
            if (title) {
              path.splice(heading - 1, path.length, title);
              for (let i = path.length - 1; i >= 0; i--) if (path[i] === undefined) path.splice(i, 1);
              lines.push(title);
            }
            heading = undefined;
            break;
          }
          heading = undefined;
          if (table?.cell) table.cell.push(text);
          else if (inNotes) notes.push(text);
          else if (kind === 'odp' && frameClass === 'title' && !slideTitle) {
            slideTitle = text.replace(/\s+/g, ' ').trim();
            lines.push(slideTitle);
          } else lines.push(text);
          break;
        }
        case 'frame':
          frameClass = undefined;
          break;
        case 'notes':
          inNotes--;
          break;
        case 'table-cell':
        case 'covered-table-cell':
          if (table?.row && table.cell) {
            const text = table.cell.join(' ');
            if (text.trim()) {
              budget.charge((text.length + 3) * table.cellRepeat);
              for (let i = 0; i < table.cellRepeat; i++) table.row.push(text);
            } else {
              // Empty cells only pad: add them only while a later cell may need the alignment.
              budget.charge(Math.min(table.cellRepeat, 1000));
              for (let i = 0; i < Math.min(table.cellRepeat, 1000); i++) table.row.push('');
            }
          }
          if (table) table.cell = undefined;
          break;
        case 'table-row':
          if (table?.row) {
            while (table.row.length && table.row.at(-1) === '') table.row.pop();
            if (table.row.length) {
              budget.charge(table.row.reduce((sum, cell) => sum + cell.length + 3, 0) * (table.rowRepeat - 1));
              for (let i = 0; i < table.rowRepeat; i++) table.rows.push(table.row);
            }
          }
          if (table) table.row = undefined;
          break;
        case 'table': {
          const done = tables.pop();
          if (!done) break;
          const outer = tables.at(-1);
          if (outer?.cell) {
            // A table inside a cell is that cell's text.
            outer.cell.push(done.rows.map((row) => row.join(' ')).join(' '));
            break;
          }
          const where = kind === 'ods' ? { heading: done.name } : place();
          const section = tableSection(done.rows, where);
          if (section) sections.push(section);
          break;
        }
        case 'page':
          if (notes.length) lines.push(`Speaker notes: ${notes.join('\n')}`);
          flush();
          break;
      }
    },
  });
  flush();
  return sections;
}
