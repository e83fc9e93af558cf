/** Text extraction: bytes of a supported document in, sections of text out. */
import { detectKind } from './detect.js';
import { extractDocx } from './docx.js';
import { extractHtml } from './html.js';
import { extractMarkdown } from './markdown.js';
import { extractPdf } from './pdf.js';
import type { DocumentKind, Section } from './section.js';
import { decodeText } from './text.js';

export { UnsupportedTypeError } from './detect.js';
export { PdfReadError } from './pdf.js';
export type { DocumentKind, Section } from './section.js';

export interface ExtractOptions {
  maxPages: number;
}

export interface Extracted {
  kind: DocumentKind;
  sections: Section[];
}

export async function extractText(bytes: Uint8Array, key: string, contentType: string, options: ExtractOptions): Promise<Extracted> {
  const kind = detectKind(bytes, key, contentType);
  switch (kind) {
    case 'pdf':
      return { kind, sections: await extractPdf(bytes, options) };
    case 'docx':
      return { kind, sections: await extractDocx(bytes) };
    case 'html':
      return { kind, sections: extractHtml(decodeText(bytes)) };
    case 'markdown':
      return { kind, sections: extractMarkdown(decodeText(bytes)) };
    case 'text': {
      const text = decodeText(bytes).trim();
      return { kind, sections: text ? [{ text }] : [] };
    }
  }
}
