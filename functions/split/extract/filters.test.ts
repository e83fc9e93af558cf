import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { hostileDocuments, lzwEncode, pagePdf } from '../../../test/hostile/documents.js';
import { buildPdf, textPdfObjects } from '../../../test/hostile/pdf.js';
import { ExtractError } from './errors.js';
import { ascii85Decoder, asciiHexDecoder, countDecoded, filterChain, lzwDecoder, runLengthDecoder, type Decoder } from './filters.js';
import { checkPdfInflation } from './inflate.js';
import { extractText } from './index.js';
import { pdfStreams, PdfName } from './pdf-syntax.js';

const MiB = 1024 * 1024;
const limits = { maxPages: 10, maxExtractedChars: 100_000, maxInflateRatio: 100, maxNestingDepth: 50 };
const reason = (expected: string) => (err: unknown) => {
  assert.ok(err instanceof ExtractError, String(err));
  assert.equal(err.reason, expected, err.message);
  return true;
};

function decodeAll(make: (sink: (chunk: Uint8Array) => void) => Decoder, input: Uint8Array, pieces = 3): Buffer {
  const out: Buffer[] = [];
  const decoder = make((chunk) => out.push(Buffer.from(chunk)));
  const step = Math.max(1, Math.ceil(input.length / pieces));
  for (let at = 0; at < input.length; at += step) decoder.write(input.subarray(at, at + step));
  decoder.end();
  return Buffer.concat(out);
}

test('ASCIIHex, ASCII85 and RunLength decode as the PDF spec says, whatever the chunking', () => {
  assert.equal(decodeAll(asciiHexDecoder, Buffer.from('48 65\n6c6C6f7>ignored')).toString('latin1'), 'Hellop');
  // "Man is" in ASCII85, with a z group (four zeros) and the end marker.
  assert.deepEqual([...decodeAll(ascii85Decoder, Buffer.from('9jqo^BlbD-z~>'))], [...Buffer.from('Man is d'), 0, 0, 0, 0]);
  assert.equal(decodeAll(runLengthDecoder, Buffer.from([2, 0x61, 0x62, 0x63, 253, 0x7a, 128, 0x41])).toString('latin1'), 'abczzzz');
});

test('LZW decodes what a PDF LZW encoder wrote, across table resets', () => {
  const text = Buffer.from(Array.from({ length: 3000 }, (_, i) => `line ${i} of a long LZW text, ${i * 7919 % 1000}`).join('\n'));
  const encoded = lzwEncode(text);
  assert.ok(encoded.length < text.length, 'it compresses');
  assert.ok(decodeAll(lzwDecoder, encoded, 7).equals(text));
});

test('pdf.js reads the LZW and filter-chain streams that the guard counts, to the same text', async () => {
  const objects = textPdfObjects('Herons wade in the shallows');
  const content = objects[3] as { dict: string; stream: Uint8Array };
  const lzw = buildPdf([...objects.slice(0, 3), { dict: '<< /Filter /LZWDecode >>', stream: lzwEncode(content.stream) }, objects[4]!]);
  const chain = buildPdf([...objects.slice(0, 3), { dict: '<< /Filter [/AHx /Fl] >>', stream: Buffer.from(`${deflateSync(content.stream).toString('hex')}>`) }, objects[4]!]);
  for (const pdf of [lzw, chain]) {
    const { sections } = await extractText(pdf, 'a.pdf', '', limits);
    assert.equal(sections[0]?.text, 'Herons wade in the shallows');
  }
});

test('every stage of a chain is charged, so a bomb in the middle is caught', () => {
  const hexOfDeflate = Buffer.from(`${deflateSync(Buffer.alloc(4 * MiB, 0x20)).toString('hex')}>`);
  const charged: number[] = [];
  countDecoded(hexOfDeflate, filterChain(new Map([['Filter', [new PdfName('ASCIIHexDecode'), new PdfName('FlateDecode')]]])), (n) => charged.push(n));
  const total = charged.reduce((a, b) => a + b, 0);
  assert.equal(total, (hexOfDeflate.length - 1) / 2 + 4 * MiB, 'hex output plus inflated output');
});

test('image filters end what is counted; unknown filters pass through; predictors before another filter are refused', () => {
  const chain = (...names: string[]) => filterChain(new Map([['Filter', names.map((n) => new PdfName(n))]]));
  assert.deepEqual(chain('FlateDecode', 'DCTDecode', 'LZWDecode').map((s) => s.filter), ['FlateDecode']);
  assert.deepEqual(chain('Crypt', 'A85', 'RL').map((s) => s.filter), ['ASCII85Decode', 'RunLengthDecode']);
  const predicted = new Map<string, unknown>([
    ['Filter', [new PdfName('FlateDecode'), new PdfName('LZWDecode')]],
    ['DecodeParms', [new Map([['Predictor', 12]]), null]],
  ]);
  assert.throws(() => filterChain(predicted as never), reason('inflate_limit'));
});

test('streams are delimited the way pdf.js does it: /Length when endstream follows, else the next endstream', () => {
  const data = Buffer.from('0123456789endstream-and-more');
  const ranges = (pdf: Uint8Array) => [...pdfStreams(pdf)].map((s) => [Buffer.from(pdf.subarray(s.start, s.end)).toString('latin1'), s.delimitedBy]);
  // A /Length that runs past a literal `endstream` inside the data is believed.
  assert.deepEqual(ranges(pagePdf({ dict: '<< >>', stream: data })), [[data.toString('latin1'), 'length']]);
  // One that stops short of anything `endstream` follows is not.
  assert.deepEqual(ranges(pagePdf({ dict: '<< >>', stream: data, length: '4' })), [['0123456789', 'endstream']]);
  // Indirect lengths resolve; `stream` followed by spaces still starts the data on the next line.
  const indirect = buildPdf(['<< /Type /Catalog >>', { dict: '<< >>', stream: data, length: '3 0 R', afterKeyword: '  \r\n' }, String(data.length)]);
  assert.deepEqual(ranges(indirect), [[data.toString('latin1'), 'length']]);
});

test('a stream dictionary nested 100 000 deep is parsed without recursion and its filter found', () => {
  const deep = `<< /Junk ${'['.repeat(100_000)}${']'.repeat(100_000)} /Filter /FlateDecode >>`;
  const [stream] = [...pdfStreams(pagePdf({ dict: deep, stream: deflateSync(Buffer.from('x')) }))];
  assert.ok(stream);
  assert.deepEqual(filterChain(stream.dict).map((s) => s.filter), ['FlateDecode']);
});

test('every hostile PDF variant is refused as a bomb, quickly', async () => {
  for (const doc of hostileDocuments().filter((d) => d.key.endsWith('.pdf'))) {
    const started = Date.now();
    await assert.rejects(checkPdfInflation(doc.body, 100), reason('inflate_limit'), doc.key);
    assert.ok(Date.now() - started < 15_000, `${doc.key} took ${Date.now() - started} ms`);
  }
});

test('RunLength output counts: 64:1 passes at ratio 100 but not at ratio 10', async () => {
  const pdf = pagePdf({ dict: '<< /Filter /RunLengthDecode >>', stream: new Uint8Array(512 * 1024).fill(0x81) });
  await checkPdfInflation(pdf, 100);
  await assert.rejects(checkPdfInflation(pdf, 10), reason('inflate_limit'));
});

test('objects that overlap without end are refused as too much work, not scanned quadratically', async () => {
  const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.from('1 0 obj ('.repeat(200_000)), Buffer.from('\n%%EOF\n')]);
  const started = Date.now();
  await assert.rejects(checkPdfInflation(pdf, 100), reason('inflate_limit'));
  assert.ok(Date.now() - started < 5000, `${Date.now() - started} ms`);
});

test('the corpus PDFs pass the guard and read as before', async () => {
  const dir = join(process.env.SLUICE_CORPUS_DIR ?? join(process.cwd(), '.sluice/corpus'), 'pdf');
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.pdf')) : [];
  const pdfs = files.length ? files.map((f) => new Uint8Array(readFileSync(join(dir, f)))) : [buildPdf(textPdfObjects('a generated stand-in'))];
  for (const pdf of pdfs) await checkPdfInflation(pdf, 100);
});

test('pdf.js text extraction never decodes image filters: a page with a 65000×65000 JPEG reads without allocating it', async () => {
  // Why image filters may end what the guard counts: decoding this image would take ~12 GB.
  const sof = Buffer.from([0xff, 0xd8, 0xff, 0xc0, 0, 17, 8, 0xfd, 0xe8, 0xfd, 0xe8, 3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0]);
  const jpeg = Buffer.concat([sof, Buffer.alloc(1000, 0x55), Buffer.from([0xff, 0xd9])]);
  const pdf = buildPdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> /XObject << /Im1 6 0 R >> >> /Contents 4 0 R >>',
    { dict: '<< >>', stream: Buffer.from('q 100 0 0 100 0 0 cm /Im1 Do Q BT /F1 12 Tf 72 720 Td (Text beside a huge image) Tj ET') },
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    { dict: '<< /Type /XObject /Subtype /Image /Width 65000 /Height 65000 /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode >>', stream: jpeg },
  ]);
  const { sections } = await extractText(pdf, 'a.pdf', '', limits);
  assert.equal(sections[0]?.text, 'Text beside a huge image');
  assert.ok(process.memoryUsage().arrayBuffers < 256 * MiB, `${process.memoryUsage().arrayBuffers} bytes of ArrayBuffers`);
});
