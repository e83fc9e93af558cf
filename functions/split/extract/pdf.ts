/** PDF: text per page (pdf-parse over Mozilla's pdf.js), so every chunk knows its page. */
import { PDFParse } from 'pdf-parse';
import type { Section } from './section.js';

export class PdfReadError extends Error {
  override readonly name = 'PdfReadError';
  constructor(
    readonly reason: 'encrypted' | 'corrupt',
    message: string,
  ) {
    super(message);
  }
}

export async function extractPdf(bytes: Uint8Array, options: { maxPages: number }): Promise<Section[]> {
  // pdf.js takes ownership of (detaches) the buffer it is given: pass a copy.
  const parser = new PDFParse({ data: new Uint8Array(bytes), verbosity: 0 });
  try {
    const result = await parser.getText({ first: options.maxPages });
    return result.pages
      .map((page) => ({ text: page.text.trim(), page: page.num }))
      .filter((section) => section.text.length > 0);
  } catch (err) {
    const name = err instanceof Error ? err.name : '';
    const message = err instanceof Error ? err.message : String(err);
    if (name === 'PasswordException' || /password/i.test(message)) {
      throw new PdfReadError('encrypted', 'PDF is password-protected');
    }
    throw new PdfReadError('corrupt', `PDF could not be parsed: ${message}`);
  } finally {
    await parser.destroy().catch(() => undefined);
  }
}
