/**
 * PDF: text per page (pdf-parse over Mozilla's pdf.js), so every chunk knows its page. Pages
 * without a text layer (scanned) are rendered and OCR'd (ocr.ts), so a PDF that mixes text
 * and scanned pages gets both; their sections say `ocr: true`.
 */
import { PDFParse } from 'pdf-parse';
import { ExtractError } from './errors.js';
import { checkPdfInflation } from './inflate.js';
import { tidyOcrText, type Ocr } from './ocr.js';
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
/**
 * A page with fewer letters and digits than this in its text layer is taken for a scan: a
 * scanner's stamp or a page number is not the page. OCR reads it, and its text layer is kept
 * only if OCR finds nothing.
 */
const MIN_TEXT_LAYER_CHARS = 20;

const LETTER = { width: 612, height: 792 };

interface PdfPage {
  num: number;
  text: string;
  /** In points: set on the pages without a text layer (to OCR), only. */
  size?: { width: number; height: number };
}

export async function extractPdf(bytes: Uint8Array, options: PdfOptions, ocr?: Ocr): Promise<Section[]> {
  // pdf.js reconstructs what it can of a damaged file and would index a fragment of it; a file
  // without its end marker was cut short (an interrupted upload), so say so instead.
  if (Buffer.from(bytes.subarray(-EOF_SEARCH_BYTES)).indexOf(EOF_MARKER) === -1) {
    throw new PdfReadError('corrupt', 'PDF is truncated (no %%EOF marker at the end of the file)');
  }
  await checkPdfInflation(bytes, options.maxInflateRatio);
  const { pages, unread } = await readPages(bytes, options, ocr);
  const scanned = pages.filter((page) => page.size !== undefined);
  const read = new Map<number, string>();
  if (ocr && !unread) {
    for (const page of scanned) {
      const image = await ocr.renderPdfPage(bytes, page.num, page.size!);
      read.set(page.num, tidyOcrText(await ocr.recognize(image, `page ${page.num}`)));
    }
  }
  const sections: Section[] = pages.flatMap((page): Section[] => {
    const text = read.get(page.num);
    if (text) return [{ text, page: page.num, ocr: true }];
    return page.text ? [{ text: page.text, page: page.num }] : [];
  });
  if (sections.length === 0 && scanned.length > 0) {
    const pagesSaid = scanned.length === 1 ? `page ${scanned[0]!.num} has` : `its ${scanned.length} pages have`;
    const why = unread ? `it was not OCR'd: ${unread}` : `OCR found no text on ${scanned.length === 1 ? 'it' : 'them'}`;
    throw new ExtractError('no_text', `no extractable text in this PDF: ${pagesSaid} no text layer (scanned?), and ${why}`);
  }
  return sections;
}

/**
 * The text layer of each page, and the size of those that need OCR; `unread` says why they
 * will not be OCR'd. The pages to OCR are counted (MAX_OCR_PAGES) before anything else is done
 * with them: a thousand-page scan is refused in the time it takes to read its text layer.
 */
async function readPages(bytes: Uint8Array, options: PdfOptions, ocr: Ocr | undefined): Promise<{ pages: PdfPage[]; unread?: string }> {
  // pdf.js takes ownership of (detaches) the buffer it is given: pass a copy.
  const parser = new PDFParse({ data: new Uint8Array(bytes), verbosity: 0 });
  try {
    const result = await parser.getText({ first: options.maxPages });
    const pages: PdfPage[] = result.pages.map((page) => ({ num: page.num, text: page.text.trim() }));
    const scanned = pages.filter((page) => (page.text.match(/[\p{L}\p{N}]/gu)?.length ?? 0) < MIN_TEXT_LAYER_CHARS);
    if (scanned.length === 0) return { pages };
    const unread = ocr ? await ocr.unavailable(true) : 'OCR is not configured';
    if (unread) {
      for (const page of scanned) page.size = LETTER;
      return { pages, unread };
    }
    ocr!.reserve(scanned.length, `${scanned.length} of the ${pages.length} pages of this PDF have no text layer`);
    const info = await parser.getInfo({ parsePageInfo: true, partial: scanned.map((page) => page.num) });
    const sizes = new Map(info.pages.map((page) => [page.pageNumber, { width: page.width, height: page.height }]));
    // pdf.js gives every page a size (a missing MediaBox is US Letter): the fallback is only for the types.
    for (const page of scanned) page.size = sizes.get(page.num) ?? LETTER;
    return { pages };
  } catch (err) {
    if (err instanceof ExtractError) throw err;
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
