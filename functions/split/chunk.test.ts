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

test('a long table is cut between rows, and every chunk repeats its header', async () => {
  const header = '| city | country | population |\n| --- | --- | --- |';
  const rows = Array.from({ length: 200 }, (_, i) => `| City ${i} | Country ${i % 7} | ${1000 + i} |`);
  const chunks = await createChunker({ size: 300, overlap: 50 }).chunk([{ text: rows.join('\n'), heading: 'Sheet1', records: { separator: '\n', header } }]);
  assert.ok(chunks.length > 10);
  const seen: string[] = [];
  for (const chunk of chunks) {
    assert.ok(chunk.text.length <= 300, `${chunk.text.length}`);
    assert.ok(chunk.text.startsWith(`${header}\n`), chunk.text);
    assert.equal(chunk.heading, 'Sheet1');
    const body = chunk.text.slice(header.length + 1).split('\n');
    for (const row of body) assert.ok(rows.includes(row), `a whole row: ${row}`);
    seen.push(...body);
  }
  assert.deepEqual(seen, rows, 'every row once, in order, none shared by two chunks');
});

test('a table row longer than a chunk is cut, and each piece still opens with the header', async () => {
  const header = '| id | notes |\n| --- | --- |';
  const long = `| 7 | ${'very long note '.repeat(60)}|`;
  const chunks = await createChunker({ size: 200, overlap: 20 }).chunk([{ text: ['| 1 | short |', long, '| 8 | after |'].join('\n'), records: { separator: '\n', header } }]);
  assert.ok(chunks.length >= 4);
  for (const chunk of chunks) {
    assert.ok(chunk.text.length <= 200);
    assert.ok(chunk.text.startsWith(header));
  }
  assert.match(chunks[0]!.text, /\| 1 \| short \|$/);
  assert.match(chunks.at(-1)!.text, /\| 8 \| after \|$/);
});

test('a header longer than half a chunk is cut so that rows keep room; chunks stay within the size', async () => {
  const header = `| ${Array.from({ length: 40 }, (_, i) => `column ${i}`).join(' | ')} |`;
  const chunks = await createChunker({ size: 120, overlap: 10 }).chunk([{ text: Array.from({ length: 30 }, (_, i) => `| ${i} |`).join('\n'), records: { separator: '\n', header } }]);
  for (const chunk of chunks) {
    assert.ok(chunk.text.length <= 120, `${chunk.text.length}`);
    assert.ok(chunk.text.startsWith(header.slice(0, 60)));
  }
});

test('records without a header (JSON) are packed whole, never split across chunks when they fit', async () => {
  const records = Array.from({ length: 50 }, (_, i) => `[${i}].name: Item ${i}\n[${i}].price: ${i * 3}`);
  const chunks = await createChunker({ size: 150, overlap: 40 }).chunk([{ text: records.join('\n\n'), records: { separator: '\n\n' } }]);
  const seen = chunks.flatMap((chunk) => chunk.text.split('\n\n'));
  assert.deepEqual(seen, records);
});
