/** DOCX: mammoth turns the document into semantic HTML (headings kept), read like any HTML. */
import mammoth from 'mammoth';
import { extractHtml, type HtmlOptions } from './html.js';
import { checkZipInflation } from './inflate.js';
import type { Section } from './section.js';
import { createDoctypeScanner } from './xml.js';

export interface DocxOptions extends HtmlOptions {
  maxInflateRatio: number;
}

export async function extractDocx(bytes: Uint8Array, options: DocxOptions): Promise<Section[]> {
  // mammoth inflates whole parts into memory and parses their XML: check both first.
  await checkZipInflation(bytes, options.maxInflateRatio, { inspect: createDoctypeScanner((part) => `DOCX part ${part}`) });
  const { value: html } = await mammoth.convertToHtml({ buffer: Buffer.from(bytes) });
  return extractHtml(html, options);
}
