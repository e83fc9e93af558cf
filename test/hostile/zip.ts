/**
 * A minimal synchronous zip writer (deflate), enough for DOCX (and, with containers.ts, PPTX,
 * XLSX, OpenDocument and EPUB) test files, including ones whose
 * entries are pre-built deflate streams far larger when inflated than on disk.
 */
import { constants, crc32, deflateRawSync } from 'node:zlib';

export type ZipEntry = { name: string; data: Uint8Array } | { name: string; deflated: Uint8Array; size: number; crc: number };

/** `storedFirst`: the first entry uncompressed, as OpenDocument and EPUB store their `mimetype`. */
export function buildZip(entries: readonly ZipEntry[], options: { storedFirst?: boolean } = {}): Uint8Array {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [index, entry] of entries.entries()) {
    const name = Buffer.from(entry.name, 'utf8');
    const stored = index === 0 && options.storedFirst === true && 'data' in entry;
    const method = stored ? 0 : 8;
    const compressed = 'data' in entry ? (stored ? Buffer.from(entry.data) : deflateRawSync(entry.data)) : Buffer.from(entry.deflated);
    const size = 'data' in entry ? entry.data.byteLength : entry.size;
    const crc = 'data' in entry ? crc32(entry.data) : entry.crc;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(method, 8); // deflate, or stored
    local.writeUInt16LE(0x21, 12); // 1980-01-01, a fixed date: deterministic bytes
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, compressed);
    centrals.push(central, name);
    offset += local.length + name.length + compressed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...locals, directory, end]));
}

const MiB = 1024 * 1024;

/**
 * A raw deflate stream of `mebibytes` MiB of `byte`, built without ever holding the inflated
 * bytes: one fully flushed (self-contained, non-final) block of 1 MiB repeated, then an empty
 * final block. About 1 KiB on disk per MiB inflated.
 */
export function deflatedRepeat(byte: number, mebibytes: number): Uint8Array {
  const block = deflateRawSync(Buffer.alloc(MiB, byte), { level: 9, finishFlush: constants.Z_FULL_FLUSH });
  const finalEmptyBlock = Buffer.from([0x03, 0x00]);
  return new Uint8Array(Buffer.concat([...Array.from({ length: mebibytes }, () => block), finalEmptyBlock]));
}

/** The same as a zlib stream (what a PDF's FlateDecode holds), with its Adler-32 trailer. */
export function zlibRepeat(byte: number, mebibytes: number): Uint8Array {
  const n = BigInt(mebibytes * MiB);
  const c = BigInt(byte);
  // Adler-32 of n copies of `byte`, in closed form: A = 1 + c·n, B = n + c·n(n+1)/2 (mod 65521).
  const a = (1n + c * n) % 65521n;
  const b = (n + (c * n * (n + 1n)) / 2n) % 65521n;
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32BE(Number((b << 16n) | a));
  return new Uint8Array(Buffer.concat([Buffer.from([0x78, 0xda]), deflatedRepeat(byte, mebibytes), trailer]));
}

/**
 * The smallest DOCX mammoth reads: content types, the package relationship, the document
 * (its XML, or a pre-built deflate stream of it).
 */
export function buildDocx(document: string | { deflated: Uint8Array; size: number; crc: number }): Uint8Array {
  const text = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
  const name = 'word/document.xml';
  return buildZip([
    { name: '[Content_Types].xml', data: text(CONTENT_TYPES) },
    { name: '_rels/.rels', data: text(RELS) },
    typeof document === 'string' ? { name, data: text(document) } : { name, ...document },
  ]);
}

export const WORD_NS = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main';

export function documentXml(body: string, prolog = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'): string {
  return `${prolog}<w:document xmlns:w="${WORD_NS}"><w:body>${body}</w:body></w:document>`;
}

export const paragraph = (text: string) => `<w:p><w:r><w:t>${text}</w:t></w:r></w:p>`;

const CONTENT_TYPES =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
  '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>' +
  '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>';
const RELS =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
  '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>';
