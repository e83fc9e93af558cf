/**
 * Scanned documents for the OCR tests, built in code: PDFs whose pages are text layers or grey
 * bitmaps (a scan: no text layer), a thousand-page scan of one tiny image, a page that takes
 * forever to render, and images whose header declares more pixels than exist anywhere.
 */
import { execFileSync } from 'node:child_process';
import { crc32, deflateSync } from 'node:zlib';
import { buildPdf, type PdfObject } from './pdf.js';

/** 8-bit grey pixels, row by row. */
export interface GreyImage {
  width: number;
  height: number;
  pixels: Uint8Array;
}

/** A page with a text layer (Helvetica), or a scanned page (the bitmap stretched over the page, no text). */
export type PageSpec = { text: string } | { scan: GreyImage };

const PAGE = { width: 612, height: 792 };

/** A PDF of these pages, in order (US Letter). */
export function pagesPdf(pages: readonly PageSpec[]): Uint8Array {
  // 1 catalog, 2 page tree, 3 the font, then three objects a page: page, contents, image (or unused).
  const objects: PdfObject[] = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${pages.map((_, i) => `${4 + 3 * i} 0 R`).join(' ')}] /Count ${pages.length} >>`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  pages.forEach((page, i) => {
    const self = 4 + 3 * i;
    const mediaBox = `/MediaBox [0 0 ${PAGE.width} ${PAGE.height}]`;
    if ('text' in page) {
      const lines = page.text.split('\n').map((line, n) => `1 0 0 1 72 ${720 - 16 * n} Tm (${line.replace(/[()\\]/g, '\\$&')}) Tj`);
      objects.push(`<< /Type /Page /Parent 2 0 R ${mediaBox} /Resources << /Font << /F1 3 0 R >> >> /Contents ${self + 1} 0 R >>`);
      objects.push({ dict: '<< >>', stream: Buffer.from(`BT /F1 12 Tf ${lines.join(' ')} ET`, 'latin1') });
      objects.push('<< >>');
    } else {
      objects.push(`<< /Type /Page /Parent 2 0 R ${mediaBox} /Resources << /XObject << /Im0 ${self + 2} 0 R >> >> /Contents ${self + 1} 0 R >>`);
      objects.push({ dict: '<< >>', stream: Buffer.from(`q ${PAGE.width} 0 0 ${PAGE.height} 0 0 cm /Im0 Do Q`, 'latin1') });
      objects.push(greyImageObject(page.scan));
    }
  });
  return buildPdf(objects);
}

function greyImageObject(image: GreyImage): PdfObject {
  return {
    dict: `<< /Type /XObject /Subtype /Image /Width ${image.width} /Height ${image.height} /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode >>`,
    stream: deflateSync(image.pixels),
  };
}

/** `pageCount` scanned pages that all show one 8 × 8 image: a thousand pages in a few hundred KB. */
export function repeatedScanPdf(pageCount: number): Uint8Array {
  const image = { width: 8, height: 8, pixels: new Uint8Array(64).fill(200) };
  const objects: PdfObject[] = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${Array.from({ length: pageCount }, (_, i) => `${5 + i} 0 R`).join(' ')}] /Count ${pageCount} >>`,
    greyImageObject(image),
    { dict: '<< >>', stream: Buffer.from(`q ${PAGE.width} 0 0 ${PAGE.height} 0 0 cm /Im0 Do Q`, 'latin1') },
  ];
  for (let i = 0; i < pageCount; i++) {
    objects.push(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${PAGE.width} ${PAGE.height}] /Resources << /XObject << /Im0 3 0 R >> >> /Contents 4 0 R >>`);
  }
  return buildPdf(objects);
}

/**
 * One page that paints a 1 × 1 image over the whole page `draws` times: quick to read (no
 * text), minutes to render (every draw fills the page's millions of pixels again).
 */
export function slowRenderPdf(draws: number): Uint8Array {
  const paint = `q ${PAGE.width} 0 0 ${PAGE.height} 0 0 cm /Im0 Do Q\n`;
  return buildPdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${PAGE.width} ${PAGE.height}] /Resources << /XObject << /Im0 5 0 R >> >> /Contents 4 0 R >>`,
    { dict: '<< >>', stream: Buffer.from(paint.repeat(draws), 'latin1') },
    greyImageObject({ width: 1, height: 1, pixels: new Uint8Array([128]) }),
  ]);
}

/** A grey PNG of `image`. */
export function greyPng(image: GreyImage): Uint8Array {
  const rows = Buffer.alloc((image.width + 1) * image.height);
  for (let y = 0; y < image.height; y++) rows.set(image.pixels.subarray(y * image.width, (y + 1) * image.width), y * (image.width + 1) + 1);
  return png(image.width, image.height, deflateSync(rows));
}

/** A PNG whose header says `width` × `height` (grey) over a few rows of data: an image bomb. */
export function pngBomb(width: number, height: number): Uint8Array {
  // Rows of white, compressed about a thousand to one: what a decoder would inflate on and on.
  return png(width, height, deflateSync(Buffer.alloc(4 * (width + 1), 0xff)));
}

function png(width: number, height: number, idat: Buffer): Uint8Array {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type, 'latin1'), data])));
    return Buffer.concat([length, Buffer.from(type, 'latin1'), data, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 0, 0, 0, 0], 8);
  return new Uint8Array(Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), chunk('IHDR', header), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]));
}

/** A little-endian TIFF of these grey pages, uncompressed, one image directory each. */
export function multiPageTiff(pages: readonly GreyImage[]): Uint8Array {
  const ifdSize = 2 + 9 * 12 + 4;
  const parts: Buffer[] = [Buffer.from([0x49, 0x49, 42, 0, 8, 0, 0, 0])];
  let offset = 8;
  pages.forEach((page, n) => {
    const stripOffset = offset + ifdSize;
    const next = n === pages.length - 1 ? 0 : stripOffset + page.pixels.length;
    // Width, height, 8 bits, no compression, black is zero, the strip, one strip, its size, one sample.
    const entries: Array<[number, number, number]> = [
      [256, 4, page.width],
      [257, 4, page.height],
      [258, 3, 8],
      [259, 3, 1],
      [262, 3, 1],
      [273, 4, stripOffset],
      [277, 3, 1],
      [278, 4, page.height],
      [279, 4, page.pixels.length],
    ];
    const ifd = Buffer.alloc(ifdSize);
    ifd.writeUInt16LE(entries.length, 0);
    entries.forEach(([tag, type, value], i) => {
      const at = 2 + i * 12;
      ifd.writeUInt16LE(tag, at);
      ifd.writeUInt16LE(type, at + 2);
      ifd.writeUInt32LE(1, at + 4);
      if (type === 3) ifd.writeUInt16LE(value, at + 8);
      else ifd.writeUInt32LE(value, at + 8);
    });
    ifd.writeUInt32LE(next, ifdSize - 4);
    parts.push(ifd, Buffer.from(page.pixels));
    offset = next;
  });
  return new Uint8Array(Buffer.concat(parts));
}

/**
 * `text` as a scanner would see it: typeset in a PDF and rasterised by poppler's pdftoppm (the
 * test machine has it: make install installs poppler-utils). The bitmap, not the text, goes on.
 */
export function scanOf(text: string, dpi = 150): GreyImage {
  const pgm = execFileSync('pdftoppm', ['-r', String(dpi), '-gray', '-singlefile', '-'], { input: pagesPdf([{ text }]), maxBuffer: 64 * 1024 * 1024 });
  // Binary PGM: "P5\n<width> <height>\n<max>\n" then a byte a pixel.
  const header = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(pgm.subarray(0, 64).toString('latin1'));
  if (!header) throw new Error('pdftoppm did not write a PGM image');
  const [all, width, height] = header;
  return { width: Number(width), height: Number(height), pixels: new Uint8Array(pgm.subarray(all.length)) };
}
