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
  assertNestingWithin(html, options.maxNestingDepth);
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
    if (BLOCK.has(name)) {
      buffer.push('\n');
      stack.push([{ type: 'closer' } as unknown as AnyNode, depth]);
    }
    for (let i = element.children.length - 1; i >= 0; i--) stack.push([element.children[i]!, depth + 1]);
  }
  flush();
  return sections;
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
 */
function assertNestingWithin(html: string, maxDepth: number): void {
  const markup = html.replace(/<!--[\s\S]*?-->|<(script|style)\b[\s\S]*?<\/\1\s*>/gi, '');
  let depth = 0;
  for (const [, close, name, selfClosing] of markup.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*?(\/?)>/g)) {
    const tag = name!.toLowerCase();
    if (OPTIONAL_END.has(tag) || VOID.has(tag) || selfClosing) continue;
    depth = close ? Math.max(0, depth - 1) : depth + 1;
    if (depth > maxDepth) throw tooDeep(maxDepth);
  }
}
