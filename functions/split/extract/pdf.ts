/** PDF: text per page (pdf-parse over Mozilla's pdf.js), so every chunk knows its page. */
import { PDFParse } from 'pdf-parse';
import { ExtractError } from './errors.js';
import { checkPdfInflation } from './inflate.js';
import type { Section } from './section.js';

export class PdfReadError extends ExtractError {
  override readonly name = 'PdfReadError';
}

export interface PdfOptions {
  maxPages: number;
  maxInflateRatio: number;
}

const EOF_MARKER = Buffer.from('%%EOF');
/** Writers may append a little junk after the last %%EOF; readers look this far back. */
const EOF_SEARCH_BYTES = 1024;

export async function extractPdf(bytes: Uint8Array, options: PdfOptions): Promise<Section[]> {
  // pdf.js reconstructs what it can of a damaged file and would index a fragment of it; a file
  // without its end marker was cut short (an interrupted upload), so say so instead.
  if (Buffer.from(bytes.subarray(-EOF_SEARCH_BYTES)).indexOf(EOF_MARKER) === -1) {
    throw new PdfReadError('corrupt', 'PDF is truncated (no %%EOF marker at the end of the file)');
  }
  await checkPdfInflation(bytes, options.maxInflateRatio);
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
    if (/maximum call stack/i.test(message)) {
      throw new PdfReadError('too_deep', 'PDF objects are nested too deeply to parse');
    }
    throw new PdfReadError('corrupt', `PDF could not be parsed: ${message}`);
  } finally {
    await parser.destroy().catch(() => undefined);
  }
}
