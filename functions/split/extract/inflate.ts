/**
 * Decompression-bomb guards. Parsers inflate into ArrayBuffers, which live outside the V8 heap
 * and so outside the worker's heap cap: compressed data is therefore inflated once up front,
 * counting and discarding the output, and refused as soon as it outgrows the allowed ratio.
 */
import { constants, createInflate, inflateSync } from 'node:zlib';
import JSZip from 'jszip';
import { ExtractError } from './errors.js';
import { countDecoded, filterChain } from './filters.js';
import { pdfStreams } from './pdf-syntax.js';

/** Small documents may always inflate to this much, whatever their ratio. */
const INFLATE_FLOOR_BYTES = 16 * 1024 * 1024;
/** Compressed inputs up to this size are counted synchronously (output bounded below). */
const SYNC_INFLATE_INPUT_BYTES = 64 * 1024;
const SYNC_INFLATE_OUTPUT_BYTES = 8 * 1024 * 1024;

/** How many bytes a document of `size` compressed bytes may inflate to in total. */
export function inflateBudget(size: number, maxRatio: number): number {
  return Math.max(size * maxRatio, INFLATE_FLOOR_BYTES);
}

function overBudget(what: string, size: number, maxRatio: number): ExtractError {
  return new ExtractError(
    'inflate_limit',
    `${what} inflates to more than ${maxRatio} times the document's ${size} bytes (MAX_INFLATE_RATIO): refused as a decompression bomb`,
  );
}

/**
 * Bytes a zlib stream inflates to, or a number over `limit` as soon as it is known to exceed
 * it. Broken streams count what inflated before the damage (the parser reports the damage).
 */
export async function zlibInflatedSize(compressed: Uint8Array, limit: number): Promise<number> {
  if (compressed.byteLength <= SYNC_INFLATE_INPUT_BYTES) {
    try {
      const cap = Math.min(limit + 1, SYNC_INFLATE_OUTPUT_BYTES);
      const size = inflateSync(compressed, { maxOutputLength: cap, finishFlush: constants.Z_SYNC_FLUSH }).byteLength;
      return size;
    } catch (err) {
      const tooLarge = (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
      if (tooLarge && limit + 1 <= SYNC_INFLATE_OUTPUT_BYTES) return limit + 1;
      // Over the synchronous cap but maybe within the limit, or damaged (readers keep what
      // inflated before the damage, so it counts): count it as a stream.
    }
  }
  return new Promise((resolve) => {
    let size = 0;
    const inflate = createInflate({ finishFlush: constants.Z_SYNC_FLUSH });
    inflate.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > limit) {
        inflate.destroy();
        resolve(size);
      }
    });
    inflate.on('error', () => resolve(size));
    inflate.on('end', () => resolve(size));
    inflate.end(compressed);
  });
}

/**
 * Every stream of a PDF decoded through its whole `/Filter` chain (see filters.ts), each stage's
 * output and each stream's raw bytes counted against the document's budget. Streams are found
 * by parsing their dictionaries (pdf-syntax.ts), delimited the way pdf.js delimits them.
 */
export async function checkPdfInflation(bytes: Uint8Array, maxRatio: number): Promise<void> {
  const budget = { left: inflateBudget(bytes.byteLength, maxRatio) };
  const charge = (used: number) => {
    budget.left -= used;
    if (budget.left < 0) throw overBudget('the compressed PDF streams', bytes.byteLength, maxRatio);
  };
  for (const stream of pdfStreams(bytes)) {
    const data = bytes.subarray(stream.start, stream.end);
    // Raw bytes count too: streams that overlap (hostile files) cannot be decoded for free.
    charge(data.byteLength);
    const stages = filterChain(stream.dict, stream.resolve);
    if (stages.length === 1 && stages[0]!.filter === 'FlateDecode') {
      // The common case, on node's zlib (several times faster than pako for large streams).
      charge(await zlibInflatedSize(data, budget.left));
    } else {
      countDecoded(data, stages, charge);
    }
  }
}

/** Entries a zip container (DOCX, PPTX, XLSX, OpenDocument, EPUB) may have, unless configured. */
export const DEFAULT_MAX_ZIP_ENTRIES = 5000;

export interface ZipEntryCheck {
  /** Called with each chunk of an entry's inflated bytes, e.g. to scan XML for a DTD. */
  inspect?(entry: string, chunk: Uint8Array): void;
  /** Most entries accepted (MAX_ZIP_ENTRIES): each is a part to inflate, and maybe to parse. */
  maxEntries?: number;
}

/**
 * Inflates every entry of a zip archive (DOCX, PPTX, XLSX, OpenDocument, EPUB), counting and
 * discarding, within the document's budget. The central directory's declared sizes are not
 * trusted: bombs lie. Returns the archive, checked, for the extractor to read.
 */
export async function checkZipInflation(bytes: Uint8Array, maxRatio: number, check: ZipEntryCheck = {}): Promise<JSZip> {
  let zip: JSZip;
  try {
    zip = await JSZip.loadAsync(bytes, { checkCRC32: false });
  } catch (err) {
    throw new ExtractError('corrupt', `not a readable zip archive: ${err instanceof Error ? err.message : String(err)}`);
  }
  const entries = Object.keys(zip.files).length;
  const maxEntries = check.maxEntries ?? DEFAULT_MAX_ZIP_ENTRIES;
  if (entries > maxEntries) {
    throw new ExtractError('too_many_parts', `zip container has ${entries} entries, over the limit of ${maxEntries} (MAX_ZIP_ENTRIES)`);
  }
  let remaining = inflateBudget(bytes.byteLength, maxRatio);
  for (const entry of Object.values(zip.files)) {
    if (entry.dir) continue;
    remaining -= await new Promise<number>((resolve, reject) => {
      let size = 0;
      const stream = entry.nodeStream('nodebuffer');
      stream
        .on('data', (chunk: Buffer) => {
          size += chunk.byteLength;
          if (size > remaining) {
            stream.pause();
            resolve(size);
            return;
          }
          try {
            check.inspect?.(entry.name, chunk);
          } catch (err) {
            stream.pause();
            reject(err);
          }
        })
        .on('error', (err: Error) => reject(new ExtractError('corrupt', `zip entry ${entry.name} is damaged: ${err.message}`)))
        .on('end', () => resolve(size));
    });
    if (remaining < 0) throw overBudget(`zip entry ${entry.name}`, bytes.byteLength, maxRatio);
  }
  return zip;
}
