/**
 * Decides how to read an object: by its bytes first (extensions and content types lie), then
 * by extension and declared content type for formats that have no magic number.
 */
import { ExtractError } from './errors.js';
import type { DocumentKind } from './section.js';

const PDF_MAGIC = Buffer.from('%PDF-');
const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

export class UnsupportedTypeError extends ExtractError {
  override readonly name = 'UnsupportedTypeError';
  constructor(message: string) {
    super('unsupported_type', message);
  }
}

export function detectKind(bytes: Uint8Array, key: string, contentType: string): DocumentKind {
  const head = Buffer.from(bytes.subarray(0, 1024));
  const extension = key.toLowerCase().match(/\.([a-z0-9]+)$/)?.[1] ?? '';
  // %PDF- may be preceded by junk bytes; readers accept it within the first 1 KiB.
  if (head.indexOf(PDF_MAGIC) !== -1) return 'pdf';
  if (head.subarray(0, 4).equals(ZIP_MAGIC)) {
    if (extension === 'docx' || contentType.includes('wordprocessingml')) return 'docx';
    throw new UnsupportedTypeError(`zip archive ${extension ? `(.${extension}) ` : ''}is not a supported document type`);
  }
  if (extension === 'pdf' || contentType === 'application/pdf') {
    throw new UnsupportedTypeError('named as a PDF but the bytes are not a PDF (no %PDF- header)');
  }
  if (extension === 'docx') throw new UnsupportedTypeError('named as DOCX but the bytes are not a zip archive');
  if (looksBinary(head)) throw new UnsupportedTypeError(`binary content${extension ? ` named .${extension}` : ''} is not a supported document type`);
  if (['html', 'htm', 'xhtml'].includes(extension) || contentType.startsWith('text/html') || contentType.startsWith('application/xhtml')) return 'html';
  if (['md', 'markdown', 'mdown', 'mkd'].includes(extension) || contentType.startsWith('text/markdown')) return 'markdown';
  if (/^\s*(<!doctype html|<html[\s>])/i.test(head.toString('latin1'))) return 'html';
  return 'text';
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
