/**
 * XML entity expansion ("billion laughs") guard. Nothing we read needs a DTD: Office never
 * writes one into DOCX parts, and HTML/XHTML text needs only the predefined entities. A
 * document that declares entities is refused rather than trusted to a parser's own limits.
 */
import { ExtractError } from './errors.js';

const DTD_SUBSET = /<!DOCTYPE[^>[]*\[/i;
const ENTITY_DECLARATION = /<!ENTITY/i;

/** Throws when `markup` declares entities in a DOCTYPE internal subset. */
export function assertNoEntityDeclarations(markup: string, what: string): void {
  const doctype = markup.search(DTD_SUBSET);
  if (doctype !== -1 && ENTITY_DECLARATION.test(markup.slice(doctype))) {
    throw new ExtractError('xml_entities', `${what} declares XML entities (<!ENTITY> in a DTD): refused to prevent entity expansion`);
  }
}

/**
 * The same check over a part read in chunks: any DOCTYPE in a DOCX part is refused (Word
 * never writes one). Keeps a short tail so a marker split across two chunks is still found.
 */
export function createDoctypeScanner(what: (part: string) => string): (part: string, chunk: Uint8Array) => void {
  const tails = new Map<string, string>();
  return (part, chunk) => {
    if (!/\.(xml|rels)$/i.test(part)) return;
    const text = (tails.get(part) ?? '') + Buffer.from(chunk).toString('latin1');
    if (/<!DOCTYPE|<!ENTITY/i.test(text)) {
      throw new ExtractError('xml_entities', `${what(part)} contains a DTD (<!DOCTYPE>/<!ENTITY>): refused to prevent entity expansion`);
    }
    tails.set(part, text.slice(-16));
  };
}
