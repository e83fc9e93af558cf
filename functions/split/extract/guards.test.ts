import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDocx, buildZip, deflatedRepeat, documentXml, paragraph, zlibRepeat } from '../../../test/hostile/zip.js';
import { buildPdf } from '../../../test/hostile/pdf.js';
import { ExtractError } from './errors.js';
import { checkPdfInflation, checkZipInflation, inflateBudget, zlibInflatedSize } from './inflate.js';
import { assertNoEntityDeclarations, createDoctypeScanner, createEntityScanner } from './xml.js';
import { decodeText } from './text.js';
import { extractText } from './index.js';

const MiB = 1024 * 1024;
const reason = (expected: string) => (err: unknown) => {
  assert.ok(err instanceof ExtractError, String(err));
  assert.equal(err.reason, expected, err.message);
  return true;
};
const limits = { maxPages: 10, maxExtractedChars: 1000, maxInflateRatio: 100, maxNestingDepth: 50 };

test('inflated sizes are counted exactly up to the limit, and stop just past it', async () => {
  assert.equal(await zlibInflatedSize(zlibRepeat(0x20, 2), 10 * MiB), 2 * MiB);
  const stopped = await zlibInflatedSize(zlibRepeat(0x20, 512), 20 * MiB);
  assert.ok(stopped > 20 * MiB && stopped < 40 * MiB, `${stopped}`);
  assert.equal(await zlibInflatedSize(new Uint8Array([0x78, 0x9c, 1, 2, 3]), MiB), 0, 'a damaged stream counts what inflated');
});

test('the inflate budget is the ratio times the size, with a floor for small documents', () => {
  assert.equal(inflateBudget(1_000_000, 100), 100_000_000);
  assert.equal(inflateBudget(1000, 100), 16 * MiB);
});

test('a PDF stream that inflates beyond the ratio is refused; ordinary streams pass', async () => {
  const page = (stream: Uint8Array) => buildPdf(['<< /Type /Catalog >>', { dict: '<< /Filter /FlateDecode >>', stream }]);
  await checkPdfInflation(page(zlibRepeat(0x20, 4)), 100);
  await assert.rejects(checkPdfInflation(page(zlibRepeat(0x20, 256)), 100), reason('inflate_limit'));
});

test('a zip entry that inflates beyond the ratio is refused even when its header lies', async () => {
  const lying = buildDocx({ deflated: deflatedRepeat(0x20, 256), size: 1000, crc: 0 });
  await assert.rejects(checkZipInflation(lying, 100), reason('inflate_limit'));
  await checkZipInflation(buildDocx(documentXml(paragraph('fine'))), 100);
  await assert.rejects(checkZipInflation(new Uint8Array(Buffer.from('PK\x03\x04 not really')), 100), reason('corrupt'));
});

test('entity declarations are refused in HTML and in DOCX parts, ordinary doctypes are not', () => {
  assertNoEntityDeclarations('<!DOCTYPE html><html><body>&amp; &copy;</body></html>', 'HTML');
  assert.throws(() => assertNoEntityDeclarations('<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', 'HTML'), reason('xml_entities'));
  const scan = createDoctypeScanner((part) => part);
  scan('word/document.xml', Buffer.from('<?xml version="1.0"?><w:document>'));
  scan('word/media/image1.png', Buffer.from('<!DOCTYPE in binary data is not XML'));
  // A marker split across two chunks is still found.
  scan('word/styles.xml', Buffer.from('<?xml version="1.0"?><!DOC'));
  assert.throws(() => scan('word/styles.xml', Buffer.from('TYPE x>')), reason('xml_entities'));
});

test('text over the character limit fails before it is split; Latin-1 and UTF-16 decode', async () => {
  await assert.rejects(extractText(Buffer.from('x'.repeat(1001)), 'a.txt', '', limits), reason('too_much_text'));
  await assert.rejects(extractText(Buffer.from(`# T\n${'y'.repeat(1001)}`), 'a.md', '', limits), reason('too_much_text'));
  assert.equal(decodeText(Buffer.from('Grüße aus Köln', 'latin1')), 'Grüße aus Köln');
  const utf16be = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('Ω', 'utf16le').swap16()]);
  assert.equal(decodeText(utf16be), 'Ω');
});

test('truncated PDFs are reported as truncated, not indexed in part', async () => {
  const whole = buildPdf(['<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids [] /Count 0 >>']);
  await assert.rejects(extractText(whole.subarray(0, whole.byteLength - 20), 'a.pdf', '', limits), (err: unknown) => {
    assert.ok(err instanceof ExtractError && err.reason === 'corrupt' && /truncated/.test(err.message), String(err));
    return true;
  });
});


test('a zip container with more entries than MAX_ZIP_ENTRIES is refused before any is inflated', async () => {
  const many = buildZip(Array.from({ length: 40 }, (_, i) => ({ name: `part${i}.xml`, data: new Uint8Array(Buffer.from('<x/>')) })));
  await checkZipInflation(many, 100, { maxEntries: 40 });
  await assert.rejects(checkZipInflation(many, 100, { maxEntries: 39 }), reason('too_many_parts'));
});

test('EPUB and OpenDocument parts may name an external DTD, but never declare entities', () => {
  const scan = createEntityScanner((part) => part);
  scan('toc.ncx', Buffer.from('<?xml version="1.0"?><!DOCTYPE ncx PUBLIC "-//NISO//DTD ncx 2005-1//EN" "http://www.daisy.org/z3986/2005/ncx-2005-1.dtd"><ncx>'));
  scan('images/cover.jpg', Buffer.from('<!ENTITY in binary data is not markup'));
  scan('text/ch1.xhtml', Buffer.from('<!DOCTYPE html [<!EN'));
  assert.throws(() => scan('text/ch1.xhtml', Buffer.from('TITY a "b">]>')), reason('xml_entities'));
});
