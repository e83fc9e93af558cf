import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectKind, UnsupportedTypeError } from './detect.js';

const bytes = (s: string) => Buffer.from(s);

test('recognises formats by their bytes before their names', () => {
  assert.equal(detectKind(bytes('%PDF-1.7\n...'), 'report.txt', 'text/plain'), 'pdf');
  assert.equal(detectKind(Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2]), 'letter.docx', ''), 'docx');
  assert.equal(detectKind(bytes('<!DOCTYPE html><html><body>x'), 'page', ''), 'html');
  // Images are read by OCR, whatever they are called.
  assert.equal(detectKind(Buffer.from('\x89PNG\r\n\x1a\n\0\0\0\rIHDR', 'latin1'), 'scan', ''), 'image');
  assert.equal(detectKind(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]), 'photo.bin', ''), 'image');
  assert.equal(detectKind(bytes('II*\0\x08\0\0\0'), 'fax.tif', ''), 'image');
  assert.equal(detectKind(bytes('MM\0*\0\0\0\x08'), 'page-1', 'image/tiff'), 'image');
});

test('uses extension and content type for text formats', () => {
  assert.equal(detectKind(bytes('# Title\ntext'), 'README.md', ''), 'markdown');
  assert.equal(detectKind(bytes('<p>x</p>'), 'a.htm', ''), 'html');
  assert.equal(detectKind(bytes('plain words'), 'notes', 'text/markdown'), 'markdown');
  assert.equal(detectKind(bytes('plain words'), 'notes.txt', ''), 'text');
  assert.equal(detectKind(Buffer.from([0xff, 0xfe, 0x41, 0x00]), 'utf16.txt', ''), 'text');
});

test('rejects content whose name lies about its type', () => {
  assert.throws(() => detectKind(bytes('\x89PNG\r\n\x1a\n\0\0\0'), 'photo.pdf', ''), UnsupportedTypeError);
  assert.throws(() => detectKind(Buffer.from([0, 1, 2, 3, 0, 5]), 'random.txt', ''), UnsupportedTypeError);
  assert.throws(() => detectKind(Buffer.from([0x50, 0x4b, 0x03, 0x04]), 'archive.zip', ''), /zip archive/);
  assert.throws(() => detectKind(bytes('just text'), 'fake.docx', ''), /not a zip archive/);
  assert.throws(() => detectKind(bytes('just text'), 'scan.png', ''), /named as PNG but the bytes are not a PNG, JPEG or TIFF image/);
});
