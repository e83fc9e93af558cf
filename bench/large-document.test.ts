import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createChunker } from '../functions/split/chunk.js';
import { extractMarkdown } from '../functions/split/extract/markdown.js';
import { largeMarkdown } from './large-document.js';

test('every section of the large document is one chunk of its own, unlike every other', async () => {
  const text = largeMarkdown(300);
  const chunks = await createChunker({ size: 1000, overlap: 150 }).chunk(extractMarkdown(text));
  assert.equal(chunks.length, 300);
  assert.equal(new Set(chunks.map((c) => c.hash)).size, 300);
  assert.ok(chunks.every((c) => c.text.length < 1000));
  assert.equal(largeMarkdown(300), text, 'the same seed makes the same document');
  assert.notEqual(largeMarkdown(300, { seed: 1 }), text);
});

test('20 000 sections stay under the default MAX_EXTRACTED_CHARS (10 000 000)', () => {
  const length = largeMarkdown(20_000).length;
  assert.ok(length > 5_000_000 && length < 10_000_000, `${length} characters`);
});
