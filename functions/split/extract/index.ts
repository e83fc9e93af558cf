/** Text extraction: bytes of a supported document in, sections of text out, within limits. */
import { detectKind } from './detect.js';
import { ExtractError } from './errors.js';
import { extractMarkdown } from './markdown.js';
import { createOcr, type Ocr, type OcrEvents, type OcrLimits } from './ocr.js';
import type { DocumentKind, Section } from './section.js';
import { tooMuchText } from './text-budget.js';
import { decodeText } from './text.js';
import { assertNoEntityDeclarations } from './xml.js';
import type { Config } from '../../../lib/config.js';
import type { EmailFields } from '../../../lib/documents/email.js';

export { UnsupportedTypeError } from './detect.js';
export { ExtractError, type ExtractFailureReason } from './errors.js';
export type { DocumentKind, RecordLayout, Section } from './section.js';
export type { OcrEvents, OcrLimits } from './ocr.js';

export interface ExtractLimits {
  /** PDF pages read; later pages are ignored (MAX_PAGES). */
  maxPages: number;
  /** Characters of extracted text a document may have (MAX_EXTRACTED_CHARS). */
  maxExtractedChars: number;
  /** How many times its size compressed data may inflate to (MAX_INFLATE_RATIO). */
  maxInflateRatio: number;
  /** Deepest HTML element, RTF group or JSON value nesting (MAX_NESTING_DEPTH). */
  maxNestingDepth: number;
  /** Entries a zip container may have (MAX_ZIP_ENTRIES); inflate.ts's default when unset. */
  maxZipEntries?: number;
  /** OCR of scanned PDF pages and image files (OCR_*, MAX_OCR_PAGES); none when unset. */
  ocr?: OcrLimits;
}

/** The limits as configured (lib/config.ts), for split and for whatever must extract exactly like it. */
export function extractLimits(
  config: Pick<
    Config,
    'MAX_PAGES' | 'MAX_EXTRACTED_CHARS' | 'MAX_INFLATE_RATIO' | 'MAX_NESTING_DEPTH' | 'MAX_ZIP_ENTRIES' | 'OCR_ENABLED' | 'OCR_LANGUAGES' | 'OCR_TIMEOUT_MS' | 'MAX_OCR_PAGES' | 'OCR_DPI' | 'OCR_MAX_PIXELS'
  >,
): ExtractLimits {
  return {
    maxPages: config.MAX_PAGES,
    maxExtractedChars: config.MAX_EXTRACTED_CHARS,
    maxInflateRatio: config.MAX_INFLATE_RATIO,
    maxNestingDepth: config.MAX_NESTING_DEPTH,
    maxZipEntries: config.MAX_ZIP_ENTRIES,
    ocr: {
      enabled: config.OCR_ENABLED,
      languages: config.OCR_LANGUAGES,
      timeoutMs: config.OCR_TIMEOUT_MS,
      maxPages: config.MAX_OCR_PAGES,
      dpi: config.OCR_DPI,
      maxPixels: config.OCR_MAX_PIXELS,
    },
  };
}

/** What a document says about itself beyond its text: the header fields of an e-mail. */
export interface DocumentFields {
  email?: EmailFields;
}

export interface Extracted extends DocumentFields {
  kind: DocumentKind;
  sections: Section[];
}

/** `events` hears when OCR starts (the worker pool extends the document's deadline by OCR_TIMEOUT_MS then). */
export async function extractText(bytes: Uint8Array, key: string, contentType: string, limits: ExtractLimits, events?: OcrEvents): Promise<Extracted> {
  const kind = detectKind(bytes, key, contentType);
  // One OCR session a document: its deadline and page count cover the attachments of a message too.
  const ocr = limits.ocr ? createOcr(limits.ocr, events) : undefined;
  const fields: DocumentFields = {};
  const sections = await extractSections(kind, bytes, limits, ocr, 0, fields);
  const chars = sections.reduce((sum, section) => sum + section.text.length, 0);
  if (chars > limits.maxExtractedChars) throw tooMuchText(chars, limits.maxExtractedChars);
  return { kind, sections, ...fields };
}

/** Forwarded messages inside forwarded messages: deeper ones are not read. */
const MAX_MAIL_DEPTH = 3;

// The heavy parsers (pdf.js, mammoth, cheerio, mailparser) load on first use: each document
// gets a fresh worker, and a text file should not pay for loading pdf.js.
async function extractSections(kind: DocumentKind, bytes: Uint8Array, limits: ExtractLimits, ocr: Ocr | undefined, depth = 0, fields: DocumentFields = {}): Promise<Section[]> {
  switch (kind) {
    case 'pdf':
      return (await import('./pdf.js')).extractPdf(bytes, limits, ocr);
    case 'image':
      return (await import('./image.js')).extractImage(bytes, ocr);
    case 'docx':
      return (await import('./docx.js')).extractDocx(bytes, limits);
    case 'html': {
      const html = decodeText(bytes);
      assertNoEntityDeclarations(html, 'HTML document');
      return (await import('./html.js')).extractHtml(html, limits);
    }
    case 'pptx':
      return (await import('./pptx.js')).extractPptx(bytes, limits);
    case 'xlsx':
      return (await import('./xlsx.js')).extractXlsx(bytes, limits);
    case 'odt':
    case 'odp':
    case 'ods':
      return (await import('./opendocument.js')).extractOpenDocument(bytes, kind, limits);
    case 'epub':
      return (await import('./epub.js')).extractEpub(bytes, limits);
    case 'rtf':
      return (await import('./rtf.js')).extractRtf(decodeWithin(bytes, limits), limits);
    case 'eml': {
      if (bytes.byteLength > limits.maxExtractedChars) throw tooMuchText(bytes.byteLength, limits.maxExtractedChars);
      const readPart = async (part: Uint8Array, name: string, contentType: string): Promise<Section[]> => {
        if (depth >= MAX_MAIL_DEPTH || part.byteLength === 0) return [];
        try {
          return await extractSections(detectKind(part, name, contentType), part, limits, ocr, depth + 1);
        } catch (err) {
          // An attachment we cannot read leaves the message readable; one over a limit does not.
          if (err instanceof ExtractError && (err.reason === 'unsupported_type' || err.reason === 'corrupt' || err.reason === 'no_text')) return [];
          throw err;
        }
      };
      // The fields of the message itself, not of a forwarded one inside it.
      const onFields = depth === 0 ? (email: EmailFields) => void (fields.email = email) : undefined;
      return (await import('./eml.js')).extractEml(bytes, limits, readPart, onFields);
    }
    case 'csv':
    case 'tsv':
      return (await import('./csv.js')).extractDelimited(decodeWithin(bytes, limits), kind);
    case 'json':
      return (await import('./json.js')).extractJson(decodeWithin(bytes, limits), limits);
    case 'jsonl':
      return (await import('./json.js')).extractJsonLines(decodeWithin(bytes, limits), limits);
    case 'markdown':
      return extractMarkdown(decodeWithin(bytes, limits));
    case 'text': {
      const text = decodeWithin(bytes, limits).trim();
      return text ? [{ text }] : [];
    }
  }
}

/** Plain text is its own extracted text: refuse it before splitting it into lines and sections. */
function decodeWithin(bytes: Uint8Array, limits: ExtractLimits): string {
  const text = decodeText(bytes);
  if (text.length > limits.maxExtractedChars) throw tooMuchText(text.length, limits.maxExtractedChars);
  return text;
}

