/**
 * HTML (and the HTML mammoth makes of DOCX): visible text, one section per heading, with the
 * heading path. Scripts, styles and navigation chrome are dropped.
 */
import * as cheerio from 'cheerio';
import type { AnyNode, Element } from 'domhandler';
import { ExtractError } from './errors.js';
import type { Section } from './section.js';

const SKIPPED = new Set(['script', 'style', 'noscript', 'template', 'nav', 'head', 'svg', 'iframe', 'object']);
const BLOCK = new Set(['p', 'div', 'section', 'article', 'li', 'tr', 'br', 'pre', 'blockquote', 'dd', 'dt', 'table', 'ul', 'ol', 'dl', 'header', 'footer', 'main', 'aside', 'figure', 'figcaption', 'hr']);
const HEADING = /^h([1-6])$/;

export interface HtmlOptions {
  /** Deepest element nesting accepted (MAX_NESTING_DEPTH). */
  maxNestingDepth: number;
}

export function extractHtml(html: string, options: HtmlOptions): Section[] {
  // htmlparser2 (cheerio's forgiving non-spec parser) instead of parse5: several times faster,
  // and it does not slow down quadratically on pathologically deep nesting the way parse5 does.
  const $ = cheerio.load(html, { xml: { xmlMode: false, decodeEntities: true } });
  const sections: Section[] = [];
  const path: string[] = [];
  let buffer: string[] = [];

  const flush = () => {
    const text = buffer.join('').replace(/[ \t\f\v\u00a0]+/g, ' ').replace(/ *\n[ \n]*/g, '\n').trim();
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
    if (depth > options.maxNestingDepth) {
      throw new ExtractError('too_deep', `HTML elements are nested more than ${options.maxNestingDepth} deep (MAX_NESTING_DEPTH)`);
    }
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
    if (BLOCK.has(name)) {
      buffer.push('\n');
      stack.push([{ type: 'closer' } as unknown as AnyNode, depth]);
    }
    for (let i = element.children.length - 1; i >= 0; i--) stack.push([element.children[i]!, depth + 1]);
  }
  flush();
  return sections;
}
