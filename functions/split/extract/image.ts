/**
 * Image files (PNG, JPEG, TIFF): OCR'd whole, one section per image (a multi-page TIFF's
 * pages are pages). Their size is checked from the header first: an image over OCR_MAX_PIXELS
 * (an image bomb declares 50 000 × 50 000 in a few KB) is refused before anything decodes it.
 */
import { ExtractError } from './errors.js';
import { imageFormat, imageFrames } from './image-header.js';
import { tidyOcrText, type Ocr } from './ocr.js';
import type { Section } from './section.js';

export async function extractImage(bytes: Uint8Array, ocr: Ocr | undefined): Promise<Section[]> {
  const format = imageFormat(bytes);
  if (!format) throw new ExtractError('unsupported_type', 'not a PNG, JPEG or TIFF image');
  const name = format.toUpperCase();
  const unavailable = ocr ? await ocr.unavailable(false) : 'OCR is not configured';
  if (!ocr || unavailable) throw new ExtractError('no_text', `no extractable text in this ${name} image: an image is read by OCR, and ${unavailable}`);
  const frames = imageFrames(bytes, format, ocr.limits.maxPages);
  frames.forEach(({ width, height }, i) => {
    if (width === 0 || height === 0) throw new ExtractError('corrupt', `${name} image${frames.length > 1 ? ` ${i + 1}` : ''} declares a size of ${width} × ${height} pixels`);
    if (width * height > ocr.limits.maxPixels) {
      const megapixels = ((width * height) / 1e6).toFixed(1);
      throw new ExtractError('image_too_large', `${name} image${frames.length > 1 ? ` ${i + 1}` : ''} is ${width} × ${height} pixels (${megapixels} megapixels), over the limit of ${ocr.limits.maxPixels} (OCR_MAX_PIXELS); it was not decoded`);
    }
  });
  // imageFrames stops counting one past the limit.
  const count = frames.length > ocr.limits.maxPages ? `more than ${ocr.limits.maxPages} images` : `${frames.length} image${frames.length > 1 ? 's' : ''}`;
  ocr.reserve(frames.length, `this ${name} file holds ${count}`);
  const text = await ocr.recognize(bytes, `the ${name} image`);
  // Tesseract ends each page with a form feed.
  const pages = text.split('\f').slice(0, frames.length).map(tidyOcrText);
  const sections = pages.flatMap((page, i): Section[] => (page ? [{ text: page, page: i + 1, ocr: true }] : []));
  if (sections.length === 0) throw new ExtractError('no_text', `no extractable text in this ${name} image: OCR found none`);
  return sections;
}
