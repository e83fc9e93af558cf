/**
 * Image files OCR reads (PNG, JPEG, TIFF): told apart by their magic bytes, and measured from
 * their headers alone, so that an image bomb (a few KB declaring 50 000 × 50 000 pixels) is
 * refused before anything decodes it. A TIFF may hold many images (pages): each is measured,
 * and they are counted.
 */
import { ExtractError } from './errors.js';

export type ImageFormat = 'png' | 'jpeg' | 'tiff';

export interface ImageFrame {
  width: number;
  height: number;
}

const PNG_MAGIC = Buffer.from('\x89PNG\r\n\x1a\n', 'latin1');

export function imageFormat(head: Uint8Array): ImageFormat | undefined {
  const bytes = Buffer.from(head.buffer, head.byteOffset, Math.min(head.byteLength, 8));
  if (bytes.subarray(0, 8).equals(PNG_MAGIC)) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  const tiff = bytes.subarray(0, 4).toString('latin1');
  if (tiff === 'II*\0' || tiff === 'MM\0*') return 'tiff';
  return undefined;
}

const corrupt = (format: ImageFormat, detail: string) => new ExtractError('corrupt', `${format.toUpperCase()} image ${detail}`);

/**
 * The size of each image in the file, read from its header. `maxFrames` bounds the frames
 * read: a TIFF with more is reported with `maxFrames + 1` of them (the caller refuses it).
 */
export function imageFrames(bytes: Uint8Array, format: ImageFormat, maxFrames: number): ImageFrame[] {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (format) {
    case 'png':
      return [pngSize(view)];
    case 'jpeg':
      return [jpegSize(view)];
    case 'tiff':
      return tiffFrames(view, maxFrames);
  }
}

function pngSize(bytes: Buffer): ImageFrame {
  // The first chunk is IHDR: length (4), type (4), width (4), height (4).
  if (bytes.length < 24 || bytes.toString('latin1', 12, 16) !== 'IHDR') throw corrupt('png', 'has no IHDR header');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** Start-of-frame markers (baseline, progressive, lossless, arithmetic): not DHT (C4), JPG (C8), DAC (CC). */
const SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

function jpegSize(bytes: Buffer): ImageFrame {
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) throw corrupt('jpeg', `has no marker at byte ${at}`);
    const marker = bytes[at + 1]!;
    // Fill bytes, and markers without a length (TEM, RSTn).
    if (marker === 0xff) {
      at += 1;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) break;
    const length = bytes.readUInt16BE(at + 2);
    if (SOF.has(marker)) {
      if (at + 9 > bytes.length) break;
      return { height: bytes.readUInt16BE(at + 5), width: bytes.readUInt16BE(at + 7) };
    }
    if (length < 2) throw corrupt('jpeg', `has a segment of length ${length}`);
    at += 2 + length;
  }
  throw corrupt('jpeg', 'has no frame header (SOF) before its data');
}

const TIFF_WIDTH = 256;
const TIFF_HEIGHT = 257;
const TIFF_SHORT = 3;
const TIFF_LONG = 4;

function tiffFrames(bytes: Buffer, maxFrames: number): ImageFrame[] {
  const little = bytes.toString('latin1', 0, 2) === 'II';
  const u16 = (at: number) => (little ? bytes.readUInt16LE(at) : bytes.readUInt16BE(at));
  const u32 = (at: number) => (little ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at));
  const frames: ImageFrame[] = [];
  const seen = new Set<number>();
  let ifd = u32(4);
  while (ifd !== 0 && frames.length <= maxFrames) {
    // A loop of directories would otherwise be a file of infinitely many pages.
    if (seen.has(ifd)) throw corrupt('tiff', 'has a loop in its chain of image directories');
    seen.add(ifd);
    if (ifd + 2 > bytes.length) throw corrupt('tiff', `has an image directory past its end (offset ${ifd})`);
    const entries = u16(ifd);
    if (ifd + 2 + entries * 12 + 4 > bytes.length) throw corrupt('tiff', `has a truncated image directory at offset ${ifd}`);
    let width: number | undefined;
    let height: number | undefined;
    for (let i = 0; i < entries; i++) {
      const entry = ifd + 2 + i * 12;
      const tag = u16(entry);
      if (tag !== TIFF_WIDTH && tag !== TIFF_HEIGHT) continue;
      const type = u16(entry + 2);
      // The value sits in the entry itself: a SHORT in its first two bytes, a LONG in all four.
      const value = type === TIFF_SHORT ? u16(entry + 8) : type === TIFF_LONG ? u32(entry + 8) : undefined;
      if (value === undefined) throw corrupt('tiff', `gives its ${tag === TIFF_WIDTH ? 'width' : 'height'} as type ${type}`);
      if (tag === TIFF_WIDTH) width = value;
      else height = value;
    }
    if (width === undefined || height === undefined) throw corrupt('tiff', `image ${frames.length + 1} has no width or height`);
    frames.push({ width, height });
    ifd = u32(ifd + 2 + entries * 12);
  }
  if (frames.length === 0) throw corrupt('tiff', 'holds no image');
  return frames;
}
