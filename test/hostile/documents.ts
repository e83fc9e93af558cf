/**
 * Hostile documents aimed at the guards themselves (issue 11): PDF bombs that the old byte
 * scan let through (`stream<space>`, a filter chain, LZW, RunLength, a `/Length` that hides an
 * early `endstream`), and the text that made split's regexes super-linear. Each with the outcome
 * it must reach. Used by test/security/hostile-documents.test.ts and the split unit tests.
 */
import { buildPdf, type PdfStreamObject } from './pdf.js';
import { deflatedRepeat, zlibRepeat } from './zip.js';

export interface HostileDocument {
  key: string;
  body: Uint8Array;
  /** `reason` is matched against `<status.reason>: <status.error>`. */
  expect: { status: 'failed'; reason: RegExp } | { status: 'indexed' };
}

const MiB = 1024 * 1024;

/** One page whose content stream is `stream`. */
export function pagePdf(stream: PdfStreamObject): Uint8Array {
  return buildPdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>',
    stream,
  ]);
}

/**
 * PDF LZW (9 to 12 bit codes, MSB first, EarlyChange 1) of `input`: a plain encoder, for
 * streams whose text a reader must get back.
 */
export function lzwEncode(input: Uint8Array): Uint8Array {
  const writer = codeWriter();
  let table = new Map<string, number>();
  let next = 258;
  let current = '';
  const codeOf = (s: string) => (s.length === 1 ? s.charCodeAt(0) : table.get(s)!);
  writer.write(256);
  for (const byte of input) {
    const c = String.fromCharCode(byte);
    if (current === '' || table.has(current + c)) {
      current += c;
      continue;
    }
    writer.write(codeOf(current));
    writer.added();
    table.set(current + c, next++);
    current = c;
    if (next === 4094) {
      writer.write(codeOf(current));
      writer.added();
      writer.write(256);
      writer.cleared();
      table = new Map();
      next = 258;
      current = '';
    }
  }
  if (current) writer.write(codeOf(current));
  writer.write(257);
  return writer.bytes();
}

/**
 * An LZW stream of `mebibytes` MiB of spaces: the codes a run encodes to (a byte, then strings
 * of 2, 3, … bytes, each the last plus one), clearing the table as it fills: about 1300:1.
 */
export function lzwRunBomb(mebibytes: number): Uint8Array {
  const writer = codeWriter();
  let produced = 0;
  while (produced < mebibytes * MiB) {
    writer.write(256);
    writer.cleared();
    writer.write(0x20);
    writer.added();
    produced += 1;
    for (let code = 258, length = 2; code < 4094 && produced < mebibytes * MiB; code++, length++) {
      writer.write(code);
      writer.added();
      produced += length;
    }
  }
  writer.write(257);
  return writer.bytes();
}

/** Writes codes at the width a PDF LZW decoder (EarlyChange 1) expects for each. */
function codeWriter() {
  const out: number[] = [];
  let bits = 0;
  let count = 0;
  let width = 9;
  let next = 258;
  let first = true;
  return {
    write(code: number) {
      bits = (bits << width) | code;
      count += width;
      while (count >= 8) {
        count -= 8;
        out.push((bits >>> count) & 0xff);
      }
      bits &= (1 << count) - 1;
    },
    /** The decoder has just added a table entry (every code after the first since a clear). */
    added() {
      if (first) {
        first = false;
        return;
      }
      next++;
      if (next + 1 >= 1 << width && width < 12) width++;
    },
    cleared() {
      width = 9;
      next = 258;
      first = true;
    },
    bytes() {
      if (count > 0) out.push((bits << (8 - count)) & 0xff);
      return new Uint8Array(out);
    },
  };
}

/** A zlib stream that starts with a stored block holding the text `endstream`, then the bomb. */
export function zlibWithEarlyEndstream(mebibytes: number): Uint8Array {
  const text = Buffer.from('endstream', 'latin1');
  const stored = Buffer.alloc(5);
  stored[0] = 0x00; // BFINAL 0, BTYPE 00 (stored), padded to the byte
  stored.writeUInt16LE(text.length, 1);
  stored.writeUInt16LE(~text.length & 0xffff, 3);
  const bomb = deflatedRepeat(0x20, mebibytes);
  // No Adler-32 trailer: readers that do not check it (pdf.js) inflate it all the same.
  return new Uint8Array(Buffer.concat([Buffer.from([0x78, 0x9c]), stored, text, bomb]));
}

/** Runs of 0x81: RunLength decodes each pair to 128 more 0x81s, so two stages multiply by 4096. */
export function runLengthSquared(kibibytes: number): Uint8Array {
  return new Uint8Array(kibibytes * 1024).fill(0x81);
}

export function hostileDocuments(): HostileDocument[] {
  const failed = (key: string, body: Uint8Array, reason: RegExp): HostileDocument => ({ key, body, expect: { status: 'failed', reason } });
  const bomb = zlibRepeat(0x20, 1024);
  const hidden = zlibWithEarlyEndstream(1024);
  const bombRefused = /^inflate_limit: .*decompression bomb/;
  return [
    // `stream` then a space before the line feed: pdf.js reads the data from the next line.
    failed('hostile-11/stream-space.pdf', pagePdf({ dict: '<< /Filter /FlateDecode >>', stream: bomb, afterKeyword: ' \n' }), bombRefused),
    // Hex around deflate: the data no longer starts with a zlib header.
    failed('hostile-11/hex-flate.pdf', pagePdf({ dict: '<< /Filter [/ASCIIHexDecode /FlateDecode] >>', stream: Buffer.from(`${Buffer.from(bomb).toString('hex')}>`, 'latin1') }), bombRefused),
    failed('hostile-11/lzw.pdf', pagePdf({ dict: '<< /Filter /LZWDecode >>', stream: lzwRunBomb(1024) }), bombRefused),
    failed('hostile-11/run-length.pdf', pagePdf({ dict: '<< /Filter [/RunLengthDecode /RunLengthDecode] >>', stream: runLengthSquared(512) }), bombRefused),
    // The data holds a literal `endstream`; /Length (which pdf.js believes) runs past it.
    failed('hostile-11/length-past-endstream.pdf', pagePdf({ dict: '<< /Filter /FlateDecode >>', stream: hidden }), bombRefused),
    // /Length says 10 bytes; the real data runs on to `endstream`, where pdf.js then looks.
    failed('hostile-11/short-length.pdf', pagePdf({ dict: '<< /Filter /FlateDecode >>', stream: bomb, length: '10' }), bombRefused),
    // /Length is a reference to an object that holds the true length.
    failed('hostile-11/indirect-length.pdf', buildPdf([
      '<< /Type /Catalog /Pages 2 0 R >>',
      '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>',
      { dict: '<< /Filter /FlateDecode >>', stream: hidden, length: '5 0 R' },
      String(hidden.byteLength),
    ]), bombRefused),
    // The text that made the regexes super-linear: each must now finish in moments.
    { key: 'hostile-11/heading-spaces.md', body: Buffer.from(`# a${' '.repeat(4000)}\rx\n\nSome ordinary text about herons after the long heading.\n`), expect: { status: 'indexed' } },
    failed('hostile-11/open-comments.html', Buffer.from(`<html><body>${'<!--'.repeat(40_000)}</body></html>`), /^no_text: /),
    failed('hostile-11/open-tags.html', Buffer.from(`<html><body>${'<a '.repeat(50_000)}</body></html>`), /^no_text: /),
    failed('hostile-11/doctypes.html', Buffer.from(`${'<!DOCTYPE '.repeat(20_000)}<html><body></body></html>`), /^no_text: /),
  ];
}
