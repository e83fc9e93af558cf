/**
 * Decides how to read an object: by its bytes first (extensions and content types lie), then
 * by extension and declared content type for formats that have no magic number. Zip containers
 * are told apart by their structure: the parts named in the central directory (OOXML) or the
 * stored `mimetype` entry (OpenDocument, EPUB).
 */
import { ExtractError } from './errors.js';
import { imageFormat } from './image-header.js';
import type { DocumentKind } from './section.js';
import { storedMimetype, zipEntryNames } from './zip-names.js';

const PDF_MAGIC = Buffer.from('%PDF-');
const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

export class UnsupportedTypeError extends ExtractError {
  override readonly name = 'UnsupportedTypeError';
  constructor(message: string) {
    super('unsupported_type', message);
  }
}

type ZipKind = 'docx' | 'pptx' | 'xlsx' | 'odt' | 'odp' | 'ods' | 'epub';

/** OpenDocument and EPUB `mimetype`s (templates read like the documents they make). */
const MIMETYPES: Record<string, ZipKind> = {
  'application/vnd.oasis.opendocument.text': 'odt',
  'application/vnd.oasis.opendocument.text-template': 'odt',
  'application/vnd.oasis.opendocument.presentation': 'odp',
  'application/vnd.oasis.opendocument.presentation-template': 'odp',
  'application/vnd.oasis.opendocument.spreadsheet': 'ods',
  'application/vnd.oasis.opendocument.spreadsheet-template': 'ods',
  'application/epub+zip': 'epub',
};
/** The main part of each OOXML format at the place every writer puts it. */
const OOXML_MAIN: Array<[string, ZipKind]> = [
  ['word/document.xml', 'docx'],
  ['ppt/presentation.xml', 'pptx'],
  ['xl/workbook.xml', 'xlsx'],
];
const ZIP_EXTENSIONS: Record<string, ZipKind> = { docx: 'docx', docm: 'docx', pptx: 'pptx', pptm: 'pptx', xlsx: 'xlsx', xlsm: 'xlsx', odt: 'odt', ott: 'odt', odp: 'odp', otp: 'odp', ods: 'ods', ots: 'ods', epub: 'epub' };
const ZIP_CONTENT_TYPES: Array<[string, ZipKind]> = [
  ['wordprocessingml', 'docx'],
  ['presentationml', 'pptx'],
  ['spreadsheetml', 'xlsx'],
  ['opendocument.text', 'odt'],
  ['opendocument.presentation', 'odp'],
  ['opendocument.spreadsheet', 'ods'],
  ['epub', 'epub'],
];
const IMAGE_EXTENSIONS = new Set(['png', 'jpg', 'jpeg', 'tif', 'tiff']);
/** Names the bytes can betray: a file named so must be one. */
const TEXT_EXTENSIONS = new Set(['txt', 'text', 'log', 'rst']);

export function detectKind(bytes: Uint8Array, key: string, contentType: string): DocumentKind {
  const head = Buffer.from(bytes.subarray(0, 1024));
  const extension = key.toLowerCase().match(/\.([a-z0-9]+)$/)?.[1] ?? '';
  const type = contentType.toLowerCase();
  // %PDF- may be preceded by junk bytes; readers accept it within the first 1 KiB.
  if (head.indexOf(PDF_MAGIC) !== -1) return 'pdf';
  if (head.subarray(0, 4).equals(ZIP_MAGIC)) return zipKind(bytes, extension, type);
  if (extension === 'pdf' || type === 'application/pdf') {
    throw new UnsupportedTypeError('named as a PDF but the bytes are not a PDF (no %PDF- header)');
  }
  if (ZIP_EXTENSIONS[extension]) throw new UnsupportedTypeError(`named as ${extension.toUpperCase()} but the bytes are not a zip archive`);
  // PNG, JPEG, TIFF: read by OCR (image.ts). After the PDF check: an image named .pdf is refused, not OCR'd.
  if (imageFormat(head)) return 'image';
  if (IMAGE_EXTENSIONS.has(extension)) throw new UnsupportedTypeError(`named as ${extension.toUpperCase()} but the bytes are not a PNG, JPEG or TIFF image`);
  const start = head.toString('latin1').replace(/^(\xef\xbb\xbf|\s)+/, '');
  if (start.startsWith('{\\rtf')) return 'rtf';
  if (extension === 'rtf' || type.includes('rtf')) throw new UnsupportedTypeError('named as RTF but the bytes are not RTF (no {\\rtf header)');
  if (looksBinary(head)) throw new UnsupportedTypeError(`binary content${extension ? ` named .${extension}` : ''} is not a supported document type`);
  if (['html', 'htm', 'xhtml'].includes(extension) || type.startsWith('text/html') || type.startsWith('application/xhtml')) return 'html';
  if (['md', 'markdown', 'mdown', 'mkd'].includes(extension) || type.startsWith('text/markdown')) return 'markdown';
  if (extension === 'csv' || type.startsWith('text/csv')) return 'csv';
  if (extension === 'tsv' || extension === 'tab' || type.startsWith('text/tab-separated-values')) return 'tsv';
  if (['jsonl', 'ndjson'].includes(extension) || /ndjson|jsonl|json-seq/.test(type)) return 'jsonl';
  if (extension === 'json' || /^application\/([a-z.+-]*\+)?json/.test(type)) return looksLikeJsonLines(start) ? 'jsonl' : 'json';
  if (extension === 'eml' || type.startsWith('message/rfc822')) return 'eml';
  if (/^\s*(<!doctype html|<html[\s>])/i.test(start)) return 'html';
  if (!TEXT_EXTENSIONS.has(extension)) {
    if (looksLikeMail(start)) return 'eml';
    if (looksLikeJsonLines(start)) return 'jsonl';
    if (looksLikeJson(start)) return 'json';
  }
  return 'text';
}

function zipKind(bytes: Uint8Array, extension: string, type: string): ZipKind {
  const mimetype = storedMimetype(bytes);
  if (mimetype && MIMETYPES[mimetype]) return MIMETYPES[mimetype];
  const names = new Set(zipEntryNames(bytes) ?? []);
  if (names.has('[Content_Types].xml')) {
    for (const [part, kind] of OOXML_MAIN) if (names.has(part)) return kind;
  }
  if (names.has('META-INF/container.xml') && [...names].some((name) => /\.opf$/i.test(name))) return 'epub';
  // The structure did not say (a package with its parts elsewhere, or a damaged directory):
  // the name or declared type may, and the extractor then finds out whether it is right.
  const named = ZIP_EXTENSIONS[extension] ?? ZIP_CONTENT_TYPES.find(([marker]) => type.includes(marker))?.[1];
  if (named) return named;
  throw new UnsupportedTypeError(`zip archive ${extension ? `(.${extension}) ` : ''}is not a supported document type`);
}

/** Header lines a saved e-mail starts with; three of them, From or Received among them, make one. */
const MAIL_HEADERS = new Set(['from', 'to', 'cc', 'subject', 'date', 'message-id', 'mime-version', 'received', 'return-path', 'delivered-to', 'content-type', 'reply-to', 'x-mailer', 'sender']);

function looksLikeMail(start: string): boolean {
  const lines = start.split(/\r?\n/);
  if (!/^[A-Za-z][A-Za-z0-9-]*:/.test(lines[0] ?? '')) return false;
  const seen = new Set<string>();
  for (const line of lines) {
    if (line === '') break;
    const name = /^([A-Za-z][A-Za-z0-9-]*):/.exec(line)?.[1]?.toLowerCase();
    if (name && MAIL_HEADERS.has(name)) seen.add(name);
  }
  return seen.size >= 3 && (seen.has('from') || seen.has('received'));
}

function looksLikeJson(start: string): boolean {
  return /^\{\s*("|\}|$)/.test(start) || /^\[\s*([[{"\]\d-]|true|false|null|$)/.test(start);
}

/** A first line that is one whole object, and a second that opens another. */
function looksLikeJsonLines(start: string): boolean {
  return /^\{[^\n]*\}[ \t]*\r?\n\s*\{/.test(start);
}

/**
 * Text in any common encoding has no NUL bytes, except UTF-16, which announces itself with a
 * BOM. Control characters beyond a few percent mean binary.
 */
function looksBinary(head: Buffer): boolean {
  if (head.length === 0) return false;
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) return false;
  let control = 0;
  for (const byte of head) {
    if (byte === 0) return true;
    if (byte < 0x09 || (byte > 0x0d && byte < 0x20)) control++;
  }
  return control / head.length > 0.05;
}
