/**
 * OCR through split's real extraction worker, with the real programs (tesseract, pdftoppm; make
 * install installs them). Without them these tests fail, loudly: they are not skipped, since a
 * split without them cannot read a scanned page. Scans are made here: text typeset and
 * rasterised, so the pages have pixels and no text layer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../lib/config.js';
import type { Env } from '../../lib/config/env.js';
import { greyPng, multiPageTiff, pagesPdf, pngBomb, repeatedScanPdf, scanOf, slowRenderPdf } from '../../test/hostile/scans.js';
import { ExtractError, extractLimits } from './extract/index.js';
import { createIsolatedSplitter, type Splitter } from './worker/isolated.js';

const chunking = { size: 1000, overlap: 100 };

function splitterWith(env: Env = {}): Splitter {
  const config = loadConfig(env);
  return createIsolatedSplitter(extractLimits(config), chunking, { deadlineMs: config.SPLIT_DEADLINE_MS, maxMemoryMb: config.SPLIT_WORKER_MAX_MB, size: 1 });
}

const failsWith = (reason: string, message: RegExp) => (err: unknown) => {
  assert.ok(err instanceof ExtractError, String(err));
  assert.equal(err.reason, reason, err.message);
  assert.match(err.message, message);
  return true;
};

const LIGHTHOUSE = 'The lighthouse keeper trims the wick of the lamp every evening at dusk.';
const CRANES = 'Migratory cranes rest at the Hula valley wetlands\nduring their long autumn journey to Africa.';

test('tesseract (with English) and pdftoppm are installed: make install installs tesseract-ocr and poppler-utils', () => {
  const tesseract = spawnSync('tesseract', ['--list-langs'], { encoding: 'utf8' });
  assert.equal(tesseract.error, undefined, `tesseract: ${String(tesseract.error)}`);
  assert.match(tesseract.stdout, /^eng$/m, 'tesseract-ocr-eng');
  assert.equal(spawnSync('pdftoppm', ['-v']).error, undefined, 'pdftoppm (poppler-utils)');
});

test('a PDF of a text page and a scanned page gets both: the scanned one read by OCR, with its page', async () => {
  const splitter = splitterWith();
  try {
    const { kind, chunks } = await splitter.split(pagesPdf([{ text: LIGHTHOUSE }, { scan: scanOf(CRANES) }]), 'mixed.pdf', '');
    assert.equal(kind, 'pdf');
    assert.deepEqual(chunks.map((c) => [c.page, c.ocr ?? false]), [[1, false], [2, true]]);
    assert.equal(chunks[0]!.text, LIGHTHOUSE);
    assert.match(chunks[1]!.text, /Migratory cranes rest at the Hula valley wetlands\s+during their long autumn journey to Africa/);
  } finally {
    await splitter.close();
  }
});

test('image files are OCR’d: a PNG, and a TIFF page by page', async () => {
  const splitter = splitterWith();
  try {
    const png = await splitter.split(greyPng(scanOf(LIGHTHOUSE)), 'notice.png', '');
    assert.equal(png.kind, 'image');
    assert.deepEqual(png.chunks.map((c) => [c.page, c.ocr, c.text]), [[1, true, LIGHTHOUSE]]);
    // Fed into the scanner upside down: orientation detection turns it back.
    const scan = scanOf(`${LIGHTHOUSE}\n${CRANES}`);
    const upsideDown = await splitter.split(greyPng({ ...scan, pixels: scan.pixels.slice().reverse() }), 'upside-down.png', '');
    assert.match(upsideDown.chunks[0]?.text ?? '', /lighthouse keeper trims the wick/);
    const tiff = await splitter.split(multiPageTiff([scanOf('First page: the beekeeper smokes the hive.', 100), scanOf('Second page: origami cranes fold from paper.', 100)]), 'fax.tif', '');
    assert.deepEqual(tiff.chunks.map((c) => [c.page, c.text]), [[1, 'First page: the beekeeper smokes the hive.'], [2, 'Second page: origami cranes fold from paper.']]);
  } finally {
    await splitter.close();
  }
});

test('a thousand-page scan is refused before any page is OCR’d (MAX_OCR_PAGES)', async () => {
  const splitter = splitterWith();
  try {
    const started = Date.now();
    await assert.rejects(splitter.split(repeatedScanPdf(1000), 'thousand.pdf', ''), failsWith('too_many_scanned_pages', /1000 of the 1000 pages .* no text layer: more pages to OCR than the 50 .*MAX_OCR_PAGES/));
    const elapsed = Date.now() - started;
    // The text layer of a thousand pages is read in a second or two; OCR of one page would take longer.
    assert.ok(elapsed < 20_000, `refused after ${elapsed} ms`);
  } finally {
    await splitter.close();
  }
});

test('an image bomb (PNG declaring 50 000 × 50 000) is refused from its header, and so are TIFF and JPEG ones', async () => {
  const splitter = splitterWith();
  try {
    await assert.rejects(splitter.split(pngBomb(50_000, 50_000), 'bomb.png', ''), failsWith('image_too_large', /PNG image is 50000 × 50000 pixels \(2500\.0 megapixels\), over the limit of 25000000 \(OCR_MAX_PIXELS\); it was not decoded/));
    await assert.rejects(splitter.split(jpegHeader(60_000, 60_000), 'bomb.jpg', ''), failsWith('image_too_large', /JPEG image is 60000 × 60000 pixels/));
    const wide = { width: 40_000, height: 2, pixels: new Uint8Array(80_000) };
    const tall = { width: 2, height: 30_000_000, pixels: new Uint8Array(0) };
    await assert.rejects(splitter.split(multiPageTiff([wide, tall]), 'bomb.tif', ''), failsWith('image_too_large', /TIFF image 2 is 2 × 30000000 pixels/));
  } finally {
    await splitter.close();
  }
});

test('a page that renders forever ends at the OCR deadline (OCR_TIMEOUT_MS), and the worker goes on', async () => {
  const splitter = splitterWith({ OCR_TIMEOUT_MS: '2000' });
  try {
    const started = Date.now();
    await assert.rejects(splitter.split(slowRenderPdf(5_000), 'slow.pdf', ''), failsWith('deadline', /OCR did not finish within 2000 ms \(OCR_TIMEOUT_MS\): 0 of 1 pages read/));
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 20_000, `failed after ${elapsed} ms`);
    assert.equal((await splitter.split(Buffer.from('still serving'), 'after.txt', '')).chunks[0]?.text, 'still serving');
  } finally {
    await splitter.close();
  }
});

test('OCR off, or a language not installed: a scan fails no_text saying why, and a mixed PDF keeps its text pages', async () => {
  const off = splitterWith({ OCR_ENABLED: 'false' });
  const scan = pagesPdf([{ scan: scanOf(CRANES) }]);
  try {
    await assert.rejects(off.split(scan, 'scan.pdf', ''), failsWith('no_text', /no extractable text in this PDF: page 1 has no text layer \(scanned\?\), and it was not OCR'd: OCR is turned off \(OCR_ENABLED=false\)/));
    const mixed = await off.split(pagesPdf([{ text: LIGHTHOUSE }, { scan: scanOf(CRANES) }]), 'mixed.pdf', '');
    assert.deepEqual(mixed.chunks.map((c) => [c.page, c.text]), [[1, LIGHTHOUSE]]);
  } finally {
    await off.close();
  }
  const klingon = splitterWith({ OCR_LANGUAGES: 'tlh' });
  try {
    await assert.rejects(klingon.split(scan, 'scan.pdf', ''), failsWith('no_text', /tesseract has no traineddata for tlh \(OCR_LANGUAGES=tlh; installed: .*eng/));
  } finally {
    await klingon.close();
  }
});

test('without tesseract on the PATH, the reason names it and how to install it', async () => {
  // A PATH with only prlimit (which starts the worker): tesseract and pdftoppm are not found.
  const image = greyPng(scanOf(LIGHTHOUSE));
  const bin = mkdtempSync(join(tmpdir(), 'sluice-no-ocr-'));
  const prlimit = spawnSync('sh', ['-c', 'command -v prlimit'], { encoding: 'utf8' }).stdout.trim();
  if (prlimit) symlinkSync(prlimit, join(bin, 'prlimit'));
  const path = process.env.PATH;
  process.env.PATH = bin;
  const splitter = splitterWith();
  try {
    await assert.rejects(splitter.split(image, 'notice.png', ''), failsWith('no_text', /no extractable text in this PNG image: an image is read by OCR, and tesseract is not installed \(install tesseract-ocr; make install does\)/));
  } finally {
    process.env.PATH = path;
    await splitter.close();
    rmSync(bin, { recursive: true, force: true });
  }
});

/** The start of a baseline JPEG whose frame header declares `width` × `height`. */
function jpegHeader(width: number, height: number): Uint8Array {
  const sof = Buffer.from([0xff, 0xc0, 0, 11, 8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]);
  const app0 = Buffer.from([0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
  return new Uint8Array(Buffer.concat([Buffer.from([0xff, 0xd8]), app0, sof, Buffer.from([0xff, 0xd9])]));
}
