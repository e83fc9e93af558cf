/**
 * PPTX: one section per slide, in the presentation's order, with its number as `page` and its
 * title as heading; the text of every other shape, tables as Markdown rows, and the speaker
 * notes. Read from the slide XML itself (no maintained library reads PPTX text better: the
 * format is a few well-specified elements), within the container guards of container.ts.
 */
import { localName, openContainer, relationships, type ContainerOptions } from './container.js';
import type { Section } from './section.js';
import { tableSection } from './table.js';
import { TextBudget } from './text-budget.js';
import { walkXml } from './xml.js';

export interface PptxOptions extends ContainerOptions {
  maxExtractedChars: number;
}

const PRESENTATION = 'ppt/presentation.xml';
const NOTES_TYPE = /\/notesSlide$/;
/** Placeholders that repeat on every slide and say nothing about it. */
const CHROME = new Set(['sldNum', 'dt', 'ftr', 'hdr', 'sldImg']);

interface SlideText {
  title: string;
  body: string[];
  tables: string[][][];
}

export async function extractPptx(bytes: Uint8Array, options: PptxOptions): Promise<Section[]> {
  const container = await openContainer(bytes, 'PPTX', options, 'refuse');
  const rels = await relationships(container, PRESENTATION);
  const order: string[] = [];
  walkXml(await container.text(PRESENTATION), {
    open: (name, attributes) => {
      if (localName(name) !== 'sldId') return;
      const target = rels.get(attributes['r:id'] ?? '')?.target;
      if (target) order.push(target);
    },
  });
  const budget = new TextBudget(options.maxExtractedChars);
  const sections: Section[] = [];
  for (const [i, part] of order.entries()) {
    const page = i + 1;
    const xml = await container.optionalText(part);
    if (xml === undefined) continue;
    const slide = readShapes(xml, budget);
    const notesPart = [...(await relationships(container, part)).values()].find((rel) => NOTES_TYPE.test(rel.type))?.target;
    const notesXml = notesPart ? await container.optionalText(notesPart) : undefined;
    const notes = notesXml ? readShapes(notesXml, budget, 'notes').body.join('\n').trim() : '';
    const title = slide.title.replace(/\s+/g, ' ').trim();
    const place = { page, ...(title ? { heading: title } : {}) };
    const text = [title, ...slide.body, ...(notes ? [`Speaker notes: ${notes}`] : [])].filter(Boolean).join('\n').trim();
    if (text) sections.push({ text, ...place });
    for (const rows of slide.tables) {
      const table = tableSection(rows, place);
      if (table) sections.push(table);
    }
  }
  return sections;
}

/**
 * The text of a slide's (or notes page's) shapes. On a notes page only the notes body counts:
 * its other placeholders are the slide image and page furniture.
 */
function readShapes(xml: string, budget: TextBudget, mode: 'slide' | 'notes' = 'slide'): SlideText {
  const slide: SlideText = { title: '', body: [], tables: [] };
  let shape: { placeholder?: string; paragraphs: string[] } | undefined;
  let paragraph: string | undefined;
  let inText = false;
  let table: string[][] | undefined;
  let row: string[] | undefined;
  let cell: string[] | undefined;
  walkXml(xml, {
    open: (name, attributes) => {
      switch (localName(name)) {
        case 'sp':
          shape = { paragraphs: [] };
          break;
        case 'ph':
          if (shape) shape.placeholder = attributes.type ?? 'body';
          break;
        case 'tbl':
          table = [];
          break;
        case 'tr':
          row = [];
          break;
        case 'tc':
          cell = [];
          break;
        case 'p':
          paragraph = '';
          break;
        case 't':
          inText = paragraph !== undefined;
          break;
        case 'br':
          if (paragraph !== undefined) paragraph += '\n';
          break;
        case 'tab':
          if (paragraph !== undefined) paragraph += '\t';
          break;
      }
    },
    text: (text) => {
      if (!inText || paragraph === undefined) return;
      budget.charge(text.length);
      paragraph += text;
    },
    close: (name) => {
      switch (localName(name)) {
        case 't':
          inText = false;
          break;
        case 'p':
          if (paragraph === undefined) break;
          if (cell) cell.push(paragraph);
          else if (shape) shape.paragraphs.push(paragraph);
          else if (mode === 'slide') slide.body.push(paragraph);
          paragraph = undefined;
          break;
        case 'tc':
          if (row && cell) row.push(cell.join(' '));
          cell = undefined;
          break;
        case 'tr':
          if (table && row) table.push(row);
          row = undefined;
          break;
        case 'tbl':
          if (table) slide.tables.push(table);
          table = undefined;
          break;
        case 'sp': {
          if (!shape) break;
          const text = shape.paragraphs.join('\n').trim();
          const kind = shape.placeholder;
          if (text && !(kind && CHROME.has(kind))) {
            if (mode === 'notes') {
              if (kind === 'body') slide.body.push(text);
            } else if ((kind === 'title' || kind === 'ctrTitle') && !slide.title) slide.title = text;
            else slide.body.push(text);
          }
          shape = undefined;
          break;
        }
      }
    },
  });
  return slide;
}
