/**
 * HTML (and the HTML mammoth makes of DOCX): visible text, one section per heading, with the
 * heading path. Scripts, styles and navigation chrome are dropped. Tables become sections of
 * Markdown rows under their header row (table.ts).
 */
import * as cheerio from 'cheerio';
import type { AnyNode, Element } from 'domhandler';
import { ExtractError } from './errors.js';
import type { Section } from './section.js';
import { tableSection } from './table.js';

const SKIPPED = new Set(['script', 'style', 'noscript', 'template', 'nav', 'head', 'svg', 'iframe', 'object']);
const BLOCK = new Set(['p', 'div', 'section', 'article', 'li', 'tr', 'br', 'pre', 'blockquote', 'dd', 'dt', 'table', 'ul', 'ol', 'dl', 'header', 'footer', 'main', 'aside', 'figure', 'figcaption', 'hr']);
const HEADING = /^h([1-6])$/;

export interface HtmlOptions {
  /** Deepest element nesting accepted (MAX_NESTING_DEPTH). */
  maxNestingDepth: number;
}

export function extractHtml(html: string, options: HtmlOptions): Section[] {
  assertNestingWithin(html, options.maxNestingDepth);
  // htmlparser2 (cheerio's forgiving non-spec parser) instead of parse5: several times faster,
  // and it does not slow down quadratically on pathologically deep nesting the way parse5 does.
  const $ = cheerio.load(html, { xml: { xmlMode: false, decodeEntities: true } });
  const sections: Section[] = [];
  const path: string[] = [];
  let buffer: string[] = [];

  const flush = () => {
    const text = buffer.join('').replace(/[ \t\f\v\u00a0]+/g, ' ').replace(/ ?\n[ \n]*/g, '\n').trim();
    // (Both linear: after the first, no two spaces remain in a row, so ` ?` never rescans a run.)
    if (text) sections.push(path.length ? { text, heading: path.join(' › ') } : { text });
    buffer = [];
  };

  // Prefer the page's main content when it marks it: site navigation and sidebars are noise.
  const root = $('main, [role=main], article').get(0) ?? $('body').get(0);
  // Iterative walk: deeply nested markup must not overflow the stack.
  const stack: Array<[AnyNode, number]> = [...(root?.children ?? $.root().children().get())].reverse().map((node) => [node, 1]);
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (node.type === 'text') {
      buffer.push((node as unknown as { data: string }).data);
      continue;
    }
    if (node.type !== 'tag') {
      if ((node as { type: string }).type === 'closer') buffer.push('\n');
      continue;
    }
    const element = node as Element;
    if (depth > options.maxNestingDepth) throw tooDeep(options.maxNestingDepth);
    const name = element.name.toLowerCase();
    if (SKIPPED.has(name) || element.attribs.role === 'navigation' || element.attribs['aria-hidden'] === 'true') continue;
    const heading = HEADING.exec(name);
    if (heading) {
      flush();
      const title = $(element).text().replace(/\s+/g, ' ').replace(/¶$/, '').trim();
      if (title) {
        path.splice(Number(heading[1]) - 1, path.length, title);
        for (let i = path.length - 1; i >= 0; i--) if (path[i] === undefined) path.splice(i, 1);
        buffer.push(title, '\n');
      }
      continue;
    }
    if (name === 'table') {
      flush();
      const section = tableSection(tableRows($, element), path.length ? { heading: path.join(' › ') } : {});
      if (section) sections.push(section);
      continue;
    }
    if (BLOCK.has(name)) {
      buffer.push('\n');
      stack.push([{ type: 'closer' } as unknown as AnyNode, depth]);
    }
    for (let i = element.children.length - 1; i >= 0; i--) stack.push([element.children[i]!, depth + 1]);
  }
  flush();
  return sections;
}

/** HTML allows colspan up to 1000; more than this many empty cells only pads a row. */
const MAX_COLSPAN = 50;

/**
 * The rows of a table, each a list of cell texts (a cell spanning columns is followed by empty
 * ones so that columns stay aligned). Rows of tables nested in a cell belong to that cell's text.
 */
function tableRows($: cheerio.CheerioAPI, table: Element): string[][] {
  const rows: string[][] = [];
  const stack: AnyNode[] = [...table.children].reverse();
  while (stack.length) {
    const node = stack.pop()!;
    if (node.type !== 'tag') continue;
    const element = node as Element;
    const name = element.name.toLowerCase();
    if (name === 'table' || SKIPPED.has(name)) continue;
    if (name !== 'tr') {
      for (let i = element.children.length - 1; i >= 0; i--) stack.push(element.children[i]!);
      continue;
    }
    const row: string[] = [];
    for (const cell of element.children) {
      if (cell.type !== 'tag' || !/^t[dh]$/i.test((cell as Element).name)) continue;
      row.push(cellContent(cell as Element));
      const span = Math.min(Number.parseInt((cell as Element).attribs.colspan ?? '1', 10) || 1, MAX_COLSPAN);
      for (let i = 1; i < span; i++) row.push('');
    }
    rows.push(row);
  }
  return rows;
}

/** A cell's text, with a space where block elements (paragraphs, nested cells) meet. */
function cellContent(cell: Element): string {
  const parts: string[] = [];
  const stack: AnyNode[] = [...cell.children].reverse();
  while (stack.length) {
    const node = stack.pop()!;
    if (node.type === 'text') parts.push((node as unknown as { data: string }).data);
    if (node.type !== 'tag') continue;
    const element = node as Element;
    const name = element.name.toLowerCase();
    if (SKIPPED.has(name)) continue;
    if (BLOCK.has(name) || name === 'td' || name === 'th') parts.push(' ');
    for (let i = element.children.length - 1; i >= 0; i--) stack.push(element.children[i]!);
  }
  return parts.join('');
}

// Elements whose end tag HTML lets authors omit: unclosed, they do not nest, so they are not counted.
const OPTIONAL_END = new Set(['p', 'li', 'dt', 'dd', 'tr', 'td', 'th', 'option', 'optgroup', 'thead', 'tbody', 'tfoot', 'colgroup', 'caption', 'rb', 'rt', 'rp', 'html', 'head', 'body']);
const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr']);

function tooDeep(maxDepth: number): ExtractError {
  return new ExtractError('too_deep', `HTML elements are nested more than ${maxDepth} deep (MAX_NESTING_DEPTH)`);
}

/**
 * A linear scan of the tags before parsing: building and querying a DOM of 100 000 nested
 * elements takes the parser and selector engine tens of seconds, so such input is refused first.
 * Written as a single forward walk with indexOf, not regexes: the lazy patterns it replaces
 * (`<!--[\s\S]*?-->`, `<tag[^>]*?>`) rescanned to the end for every unclosed `<!--` or `<tag`,
 * quadratic in the number of them.
 */
function assertNestingWithin(html: string, maxDepth: number): void {
  const lower = html.toLowerCase();
  let depth = 0;
  let at = 0;
  while ((at = lower.indexOf('<', at)) !== -1) {
    if (lower.startsWith('<!--', at)) {
      const end = lower.indexOf('-->', at + 4);
      if (end === -1) return; // an unclosed comment runs to the end of the document
      at = end + 3;
      continue;
    }
    const close = lower[at + 1] === '/';
    const nameStart = at + (close ? 2 : 1);
    let nameEnd = nameStart;
    if (!isAsciiLetter(lower.charCodeAt(nameEnd))) {
      at++;
      continue;
    }
    while (isNameChar(lower.charCodeAt(nameEnd))) nameEnd++;
    const gt = lower.indexOf('>', nameEnd);
    if (gt === -1) return; // no tag can end after this point
    const tag = lower.slice(nameStart, nameEnd);
    if (!close && (tag === 'script' || tag === 'style')) {
      // Raw text up to the matching end tag, which is not markup.
      const end = lower.indexOf(`</${tag}`, gt + 1);
      if (end === -1) return;
      at = end + 2 + tag.length;
      continue;
    }
    const selfClosing = lower[gt - 1] === '/';
    at = gt + 1;
    if (OPTIONAL_END.has(tag) || VOID.has(tag) || selfClosing) continue;
    depth = close ? Math.max(0, depth - 1) : depth + 1;
    if (depth > maxDepth) throw tooDeep(maxDepth);
  }
}

const isAsciiLetter = (c: number) => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
const isNameChar = (c: number) => isAsciiLetter(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d;
