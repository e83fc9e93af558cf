import { test } from 'node:test';
import assert from 'node:assert/strict';
import { greyPng, multiPageTiff, pngBomb } from '../../../test/hostile/scans.js';
import { imageFormat, imageFrames } from './image-header.js';
import { tidyOcrText } from './ocr.js';

const corrupt = (message: RegExp) => (err: unknown) => {
  assert.equal((err as { reason?: string }).reason, 'corrupt');
  assert.match((err as Error).message, message);
  return true;
};

test('PNG, JPEG and TIFF are told by their magic bytes and measured from their headers', () => {
  const png = greyPng({ width: 3, height: 2, pixels: new Uint8Array(6) });
  assert.equal(imageFormat(png), 'png');
  assert.deepEqual(imageFrames(png, 'png', 10), [{ width: 3, height: 2 }]);
  assert.deepEqual(imageFrames(pngBomb(50_000, 50_000), 'png', 10), [{ width: 50_000, height: 50_000 }]);

  // SOI, an APP0, fill bytes, a DQT-like segment, then a progressive frame header (SOF2).
  const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0xff, 0xff, 0xdb, 0, 3, 0, 0xff, 0xc2, 0, 11, 8, 0x01, 0x2c, 0x02, 0x58, 1, 1, 0x11, 0]);
  assert.equal(imageFormat(jpeg), 'jpeg');
  assert.deepEqual(imageFrames(jpeg, 'jpeg', 10), [{ width: 600, height: 300 }]);
  assert.throws(() => imageFrames(Buffer.from([0xff, 0xd8, 0xff, 0xda, 0, 2]), 'jpeg', 10), corrupt(/no frame header/));

  const tiff = multiPageTiff([{ width: 4, height: 1, pixels: new Uint8Array(4) }, { width: 2, height: 3, pixels: new Uint8Array(6) }]);
  assert.equal(imageFormat(tiff), 'tiff');
  assert.deepEqual(imageFrames(tiff, 'tiff', 10), [{ width: 4, height: 1 }, { width: 2, height: 3 }]);
  assert.equal(imageFrames(tiff, 'tiff', 1).length, 2, 'one past the limit, so that the caller can refuse it');
  assert.equal(imageFormat(Buffer.from('GIF89a')), undefined);
});

test('big-endian TIFF values, and damaged TIFFs: a loop of directories, a directory past the end', () => {
  // MM, first IFD at 8: two entries (width LONG 70000, height SHORT 5), no next IFD.
  const be = Buffer.alloc(8 + 2 + 2 * 12 + 4);
  be.write('MM\0*', 0, 'latin1');
  be.writeUInt32BE(8, 4);
  be.writeUInt16BE(2, 8);
  be.writeUInt16BE(256, 10);
  be.writeUInt16BE(4, 12);
  be.writeUInt32BE(1, 14);
  be.writeUInt32BE(70_000, 18);
  be.writeUInt16BE(257, 22);
  be.writeUInt16BE(3, 24);
  be.writeUInt32BE(1, 26);
  be.writeUInt16BE(5, 30);
  assert.deepEqual(imageFrames(be, 'tiff', 10), [{ width: 70_000, height: 5 }]);

  const loop = Buffer.from(be);
  loop.writeUInt32BE(8, 34);
  assert.throws(() => imageFrames(loop, 'tiff', 10), corrupt(/loop in its chain of image directories/));
  const past = Buffer.from(be);
  past.writeUInt32BE(1_000_000, 4);
  assert.throws(() => imageFrames(past, 'tiff', 10), corrupt(/image directory past its end/));
});

test('OCR text is tidied: hyphenated line ends joined, blank runs and trailing form feeds gone', () => {
  assert.equal(tidyOcrText('I thought I would be-\nhave a while.  \n\n\n\nNext paragraph.\n\f'), 'I thought I would behave a while.\n\nNext paragraph.');
  // A hyphen before a capital is a compound or a name: kept.
  assert.equal(tidyOcrText('Jean-\nPaul'), 'Jean-\nPaul');
});
