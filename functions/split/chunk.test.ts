import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sha256Hex } from '../../lib/documents/identity.js';
import { createChunker } from './chunk.js';

// embed and index refuse a chunk longer than CHUNK_SIZE (lib/documents/verify.ts): the chunker
// must never make one, whatever the text, or real documents would be refused.
test('no chunk is longer than the chunk size, whatever the text (seeded fuzz)', async () => {
  const size = 100;
  const chunker = createChunker({ size, overlap: 15 });
  const pieces = ['a', ' ', '\n', '\n\n', '😀', 'é', '\t', 'word ', 'x'.repeat(150), '\u0001'];
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed / 2 ** 31);
  for (let run = 0; run < 500; run++) {
    let text = '';
    for (let n = Math.floor(random() * 300); n > 0; n--) text += pieces[Math.floor(random() * pieces.length)];
    const chunks = await chunker.chunk([{ text, heading: 'H' }]);
    chunks.forEach((chunk, i) => {
      assert.ok(chunk.text.length <= size, `a ${chunk.text.length}-character chunk from ${JSON.stringify(text)}`);
      assert.equal(chunk.index, i);
      assert.equal(chunk.hash, sha256Hex(chunk.text));
    });
  }
});
