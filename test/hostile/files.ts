/**
 * Hostile and broken input for split, generated deterministically in code: each file with the
 * outcome it must reach. Used by the integration test (test/integration/hostile.test.ts) and
 * the chaos suite. A failed file's `reason` is matched against `<status.reason>: <status.error>` (the error may
 * carry a stage prefix, hence the `.*`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { loadConfig } from '../../lib/config.js';
import { buildPdf, encryptedPdf, textPdf } from './pdf.js';
import { buildEpub, buildOpenDocument, buildPptx, buildXlsx, odfParagraph, odfText, type PartOverride } from './containers.js';
import { buildDocx, deflatedRepeat, documentXml, paragraph, zlibRepeat } from './zip.js';
import { pngBomb, repeatedScanPdf } from './scans.js';
import { seededRandom } from '../support/random.js';

export interface HostileFile {
  key: string;
  body: Uint8Array;
  expect: { status: 'failed'; reason: RegExp } | { status: 'indexed'; probe?: string };
}

const MiB = 1024 * 1024;
const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

export function hostileFiles(): HostileFile[] {
  const config = loadConfig();
  const failed = (key: string, body: Uint8Array, reason: RegExp): HostileFile => ({ key, body, expect: { status: 'failed', reason } });
  const indexed = (key: string, body: Uint8Array, probe: string): HostileFile => ({ key, body, expect: { status: 'indexed', probe } });
  const realPdf = corpusPdf();

  return [
    failed('hostile/empty.txt', new Uint8Array(), /^empty: .*0 bytes/),
    failed('hostile/image-named.pdf', png(), /^unsupported_type: .*named as a PDF but the bytes are not a PDF/),
    failed('hostile/random-bytes.txt', randomBytes(64 * 1024, 7), /^unsupported_type: .*binary content/),
    failed('hostile/truncated.pdf', realPdf.subarray(0, Math.floor(realPdf.byteLength * 0.6)), /^corrupt: .*PDF is truncated/),
    failed('hostile/corrupt.pdf', corruptPdf(), /^corrupt: .*PDF could not be parsed/),
    failed('hostile/encrypted.pdf', encryptedPdf('Quarterly figures nobody may read without the password.', 'user-secret', 'owner-secret'), /^encrypted: .*PDF is password-protected/),
    failed('hostile/self-referencing.pdf', buildPdf(['<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids [2 0 R] /Count 1 >>']), /^corrupt: .*circular reference/),
    failed('hostile/deep-objects.pdf', deepPdf(200_000), /^too_deep: .*PDF objects are nested too deeply/),
    failed('hostile/no-text-layer.pdf', imageOnlyPdf(), /^no_text: .*no extractable text .*no text layer.*OCR/),
    failed('hostile/bomb.pdf', pdfBomb(1024), /^inflate_limit: .*decompression bomb/),
    // OCR's limits (issue 14): counted and measured before anything is rendered or decoded.
    failed('hostile/1000-page-scan.pdf', repeatedScanPdf(1000), /^too_many_scanned_pages: .*1000 of the 1000 pages .*MAX_OCR_PAGES/),
    failed('hostile/pixel-bomb.png', pngBomb(50_000, 50_000), /^image_too_large: .*50000 × 50000 pixels.*OCR_MAX_PIXELS/),
    failed('hostile/bomb.docx', docxBomb(1024), /^inflate_limit: .*word\/document\.xml.*decompression bomb/),
    failed('hostile/billion-laughs.docx', buildDocx(documentXml(paragraph('&lol9;'), `<?xml version="1.0"?>${BILLION_LAUGHS_DTD('w:document')}`)), /^xml_entities: .*DOCX part word\/document\.xml/),
    failed('hostile/billion-laughs.xhtml', utf8(`<?xml version="1.0"?>${BILLION_LAUGHS_DTD('html')}<html xmlns="http://www.w3.org/1999/xhtml"><body><p>&lol9;</p></body></html>`), /^xml_entities: .*HTML document declares XML entities/),
    // The containers added for issue 14: a bomb in their main part, entities in their XML.
    failed('hostile/bomb.xlsx', buildXlsx([{ name: 'S', rows: [['a']] }], bomb('xl/worksheets/sheet1.xml')), /^inflate_limit: .*xl\/worksheets\/sheet1\.xml.*decompression bomb/),
    failed('hostile/bomb.pptx', buildPptx([{ title: 'T' }], bomb('ppt/slides/slide1.xml')), /^inflate_limit: .*ppt\/slides\/slide1\.xml.*decompression bomb/),
    failed('hostile/bomb.epub', buildEpub([{ title: 'C', html: '<p>x</p>' }], bomb('OEBPS/text/ch1.xhtml')), /^inflate_limit: .*OEBPS\/text\/ch1\.xhtml.*decompression bomb/),
    failed('hostile/bomb.odt', buildOpenDocument('odt', odfText(odfParagraph('x')), bomb('content.xml')), /^inflate_limit: .*content\.xml.*decompression bomb/),
    failed('hostile/billion-laughs.xlsx', buildXlsx([{ name: 'S', rows: [['a']] }], { name: 'xl/sharedStrings.xml', xml: `<?xml version="1.0"?>${BILLION_LAUGHS_DTD('sst')}<sst><si><t>&lol9;</t></si></sst>` }), /^xml_entities: .*XLSX part xl\/sharedStrings\.xml/),
    failed('hostile/billion-laughs.pptx', buildPptx([{ title: 'T' }], { name: 'ppt/slides/slide1.xml', xml: `<?xml version="1.0"?>${BILLION_LAUGHS_DTD('p:sld')}<p:sld><a:t>&lol9;</a:t></p:sld>` }), /^xml_entities: .*PPTX part ppt\/slides\/slide1\.xml/),
    failed('hostile/billion-laughs.odt', buildOpenDocument('odt', odfText('<text:p>&lol9;</text:p>'), undefined, `<?xml version="1.0"?>${BILLION_LAUGHS_DTD('office:document-content')}`), /^xml_entities: .*ODT part content\.xml declares XML entities/),
    failed('hostile/billion-laughs.epub', buildEpub([{ title: 'C', html: '<p>x</p>' }], { name: 'OEBPS/text/ch1.xhtml', xml: `<?xml version="1.0"?>${BILLION_LAUGHS_DTD('html')}<html><body><p>&lol9;</p></body></html>` }), /^xml_entities: .*EPUB part OEBPS\/text\/ch1\.xhtml/),
    failed('hostile/10000-sheets.xlsx', buildXlsx(Array.from({ length: 10_000 }, (_, i) => ({ name: `Sheet${i + 1}`, rows: [['x', i]] }))), /^too_many_parts: .*entries, over the limit of .*MAX_ZIP_ENTRIES/),
    // One cell, declared repeated across a billion columns: refused before it is expanded.
    failed('hostile/repeated-cells.ods', buildOpenDocument('ods', '<office:spreadsheet><table:table table:name="S"><table:table-row><table:table-cell table:number-columns-repeated="1000000000"><text:p>spam</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet>'), /^too_much_text: .*MAX_EXTRACTED_CHARS/),
    failed('hostile/deep-nesting.json', utf8(`${'['.repeat(100_000)}1${']'.repeat(100_000)}`), /^too_deep: .*JSON values are nested more than/),
    failed('hostile/deep-groups.rtf', utf8(`{\\rtf1 ${'{'.repeat(100_000)}x${'}'.repeat(100_000)}}`), /^too_deep: .*RTF groups are nested more than/),
    failed('hostile/bad-line.jsonl', utf8('{"a": 1}\n{"b": \n'), /^corrupt: .*line 2 is not valid JSON/),
    failed('hostile/deep-nesting.html', utf8(`<html><body>${'<div>'.repeat(100_000)}deep${'</div>'.repeat(100_000)}</body></html>`), /^too_deep: .*HTML elements are nested more than/),
    // Decided: one 30 MB line is over MAX_EXTRACTED_CHARS (10 M by default), so it fails with
    // that limit as its reason rather than becoming ~35 000 chunks of one run-on "sentence".
    failed('hostile/single-line-30mb.txt', utf8('lorem ipsum dolor sit amet '.repeat(Math.ceil((30 * MiB) / 27))), /^too_much_text: .*MAX_EXTRACTED_CHARS/),
    // Refused from the HEAD, whatever the limit: never downloaded.
    failed('hostile/over-size-limit.bin', new Uint8Array(config.MAX_OBJECT_BYTES + MiB), /^too_large: .*MAX_OBJECT_BYTES/),
    indexed('hostile/latin1.txt', new Uint8Array(Buffer.from('Crème brûlée, façade and naïve café: Latin-1 text about the pâtissier of Köln.\n', 'latin1')), 'brûlée pâtissier Köln'),
    indexed('hostile/utf16-bom.txt', new Uint8Array(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Zürich Grüße: UTF-16 text with a byte order mark about glaciers.\n', 'utf16le')])), 'Zürich glaciers'),
    indexed('hostile/keys/name with spaces.txt', utf8('A file whose name has spaces talks about lighthouse keepers.'), 'lighthouse keepers'),
    indexed('hostile/keys/ünïcødé 名前 ✓.txt', utf8('A file with a unicode name talks about origami cranes.'), 'origami cranes'),
    // Keys are opaque strings to Sluice (document ids are hashes, never paths). SeaweedFS refuses
    // a literal `/../` or `..\` segment at upload (InvalidRequest), so the traversal attempt here
    // is the form it stores: an encoded slash.
    indexed('hostile/keys/..%2F..%2Fencoded-escape.txt', utf8('A file whose key contains an encoded dot-dot-slash talks about beekeeping.'), 'beekeeping'),
    indexed(`hostile/keys/${'long-name-'.repeat(22)}.txt`, utf8('A file with a very long name talks about tide pools.'), 'tide pools'),
  ];
}

/** A real PDF from the corpus when present (more realistic damage), else a generated one. */
function corpusPdf(): Uint8Array {
  const dir = process.env.SLUICE_CORPUS_DIR ?? join(process.cwd(), '.sluice/corpus');
  const path = join(dir, 'pdf/clrscode.pdf');
  if (existsSync(path)) return new Uint8Array(readFileSync(path));
  return textPdf('A generated PDF standing in for the corpus: '.repeat(200));
}

/** Deterministic pseudo-random bytes. */
function randomBytes(length: number, seed: number): Uint8Array {
  const random = seededRandom(seed);
  return Uint8Array.from({ length }, () => random.int(0, 0xffffffff) & 0xff);
}

/** A valid 1×1 PNG. */
function png(): Uint8Array {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type, 'latin1'), data])));
    return Buffer.concat([length, Buffer.from(type, 'latin1'), data, crc]);
  };
  const header = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]);
  return new Uint8Array(
    Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), chunk('IHDR', header), chunk('IDAT', deflateSync(Buffer.from([0, 255, 0, 0]))), chunk('IEND', Buffer.alloc(0))]),
  );
}

/** A PDF header and end marker around noise: nothing in between is a PDF object. */
function corruptPdf(): Uint8Array {
  return new Uint8Array(Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from(randomBytes(32 * 1024, 11)), Buffer.from('\nstartxref\n9\n%%EOF\n')]));
}

function deepPdf(depth: number): Uint8Array {
  return buildPdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Annots ${'['.repeat(depth)}${']'.repeat(depth)} >>`,
  ]);
}

/** A page that only paints (a filled rectangle stands in for a scanned image): no text. */
function imageOnlyPdf(): Uint8Array {
  return buildPdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>',
    { dict: '<< >>', stream: Buffer.from('0.2 0.2 0.2 rg 36 36 540 720 re f') },
  ]);
}

/** A page whose content stream is `mebibytes` MiB of spaces, about 1 MB on disk. */
function pdfBomb(mebibytes: number): Uint8Array {
  return buildPdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>',
    { dict: '<< /Filter /FlateDecode >>', stream: zlibRepeat(0x20, mebibytes) },
  ]);
}

/** A DOCX whose document.xml inflates to `mebibytes` MiB (sizes declared honestly in the zip). */
function docxBomb(mebibytes: number): Uint8Array {
  return buildDocx({ deflated: deflatedRepeat(0x20, mebibytes), size: mebibytes * MiB, crc: 0 });
}

/** A part that inflates to 1 GiB of spaces, sizes declared honestly. */
function bomb(name: string): PartOverride {
  return { name, deflated: deflatedRepeat(0x20, 1024), size: 1024 * MiB, crc: 0 };
}

const BILLION_LAUGHS_DTD = (root: string) =>
  `<!DOCTYPE ${root} [<!ENTITY lol "lol">` +
  Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`).join('') +
  ']>';

