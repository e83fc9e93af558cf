import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toIndexedChunk } from './chunks.js';

test('a point payload reads as a chunk: text, page, heading, OCR flag, and the rest as metadata', () => {
  const chunk = toIndexedChunk({
    doc_id: 'd', bucket: 'b', key: 'k', version: 'v', chunk_index: 4, chunk_count: 9, chunk_hash: 'h', text: 'Hello', page: 2, heading: 'Intro',
    ocr: true, content_type: 'application/pdf', indexed_at: '2026-01-01T00:00:00Z', lang: 'en', meta: { author: 'A' },
  });
  assert.deepEqual(chunk, { index: 4, text: 'Hello', page: 2, heading: 'Intro', ocr: true, contentType: 'application/pdf', indexedAt: '2026-01-01T00:00:00Z', meta: { lang: 'en', meta: { author: 'A' } } });
  assert.deepEqual(toIndexedChunk({ chunk_index: 0, text: 'x' }), { index: 0, text: 'x', meta: {} });
});
