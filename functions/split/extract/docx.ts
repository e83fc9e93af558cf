/** DOCX: mammoth turns the document into semantic HTML (headings kept), read like any HTML. */
import mammoth from 'mammoth';
import { extractHtml } from './html.js';
import type { Section } from './section.js';

export async function extractDocx(bytes: Uint8Array): Promise<Section[]> {
  const { value: html } = await mammoth.convertToHtml({ buffer: Buffer.from(bytes) });
  return extractHtml(html);
}
