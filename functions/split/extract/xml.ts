/**
 * XML entity expansion ("billion laughs") guard. Nothing we read needs a DTD: Office never
 * writes one into OOXML parts, and HTML/XHTML text needs only the predefined entities. A
 * document that declares entities is refused rather than trusted to a parser's own limits.
 * And the one XML reader of the zip containers, which never expands a declared entity anyway.
 */
import { Parser } from 'htmlparser2';
import { ExtractError } from './errors.js';

const ENTITY_DECLARATION = /<!ENTITY/i;

/**
 * Where the first `<!DOCTYPE` with an internal subset (`[` before `>`) starts, or -1. A forward
 * walk: the regex /<!DOCTYPE[^>[]*\[/ rescanned to the end for every unclosed `<!DOCTYPE`.
 */
function dtdSubsetStart(markup: string): number {
  const lower = markup.toLowerCase();
  let gt = -2;
  let bracket = -2;
  for (let at = lower.indexOf('<!doctype'); at !== -1; at = lower.indexOf('<!doctype', at + 9)) {
    // Each of these only moves forward (and -1, "none left", is final): linear overall.
    if (gt !== -1 && gt < at) gt = lower.indexOf('>', at);
    if (bracket !== -1 && bracket < at) bracket = lower.indexOf('[', at);
    if (bracket === -1) return -1;
    if (gt === -1 || bracket < gt) return at;
  }
  return -1;
}

/** Throws when `markup` declares entities in a DOCTYPE internal subset. */
export function assertNoEntityDeclarations(markup: string, what: string): void {
  const doctype = dtdSubsetStart(markup);
  if (doctype !== -1 && ENTITY_DECLARATION.test(markup.slice(doctype))) {
    throw new ExtractError('xml_entities', `${what} declares XML entities (<!ENTITY> in a DTD): refused to prevent entity expansion`);
  }
}

/**
 * The same check over a part read in chunks: any DOCTYPE in an OOXML part is refused (Office
 * never writes one). Keeps a short tail so a marker split across two chunks is still found.
 */
export function createDoctypeScanner(what: (part: string) => string): (part: string, chunk: Uint8Array) => void {
  return createChunkScanner(/\.(xml|rels)$/i, /<!DOCTYPE|<!ENTITY/i, (part) => `${what(part)} contains a DTD (<!DOCTYPE>/<!ENTITY>): refused to prevent entity expansion`);
}

/**
 * The entity-declaration check over zip parts read in chunks, for containers whose parts may
 * carry a harmless DOCTYPE naming an external DTD (EPUB's NCX and XHTML, old OpenDocument
 * manifests): only `<!ENTITY` is refused, in every markup part.
 */
export function createEntityScanner(what: (part: string) => string): (part: string, chunk: Uint8Array) => void {
  return createChunkScanner(/\.(xml|rels|opf|ncx|x?html?|svg)$/i, /<!ENTITY/i, (part) => `${what(part)} declares XML entities (<!ENTITY>): refused to prevent entity expansion`);
}

/** Refuses the parts named like `parts` whose text matches `marker`, across chunk boundaries. */
function createChunkScanner(parts: RegExp, marker: RegExp, refusal: (part: string) => string): (part: string, chunk: Uint8Array) => void {
  const tails = new Map<string, string>();
  return (part, chunk) => {
    if (!parts.test(part)) return;
    const text = (tails.get(part) ?? '') + Buffer.from(chunk).toString('latin1');
    if (marker.test(text)) throw new ExtractError('xml_entities', refusal(part));
    tails.set(part, text.slice(-16));
  };
}

export interface XmlHandlers {
  open?(name: string, attributes: Record<string, string>): void;
  close?(name: string): void;
  text?(text: string): void;
}

/**
 * Streams an XML part through htmlparser2 in XML mode: tag names as written (`a:t`, `text:p`),
 * the predefined and numeric character references decoded, nothing else (a declared entity
 * stays literal text; the scanners above have refused those parts already). No tree is built,
 * so a large sheet costs its events, not a DOM.
 */
export function walkXml(xml: string, handlers: XmlHandlers): void {
  const parser = new Parser(
    {
      onopentag: (name, attributes) => handlers.open?.(name, attributes),
      onclosetag: (name) => handlers.close?.(name),
      ontext: (text) => handlers.text?.(text),
    },
    { xmlMode: true, decodeEntities: true },
  );
  parser.end(xml);
}
