import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenize } from './tokenize.js';
import { documentSparseVector, querySparseVector, termIndex } from './sparse-vector.js';

test('code identifiers stay whole and also give their parts', () => {
  assert.deepEqual(tokenize('pg_waldump'), ['pg_waldump', 'pg', 'waldump']);
  assert.deepEqual(tokenize('worker_threads'), ['worker_threads', 'worker', 'thread']);
  // So a query for the module name and one for its words both meet the chunk.
  assert.ok(tokenize('the worker threads').includes('thread'));
});

test('dotted names and camelCase', () => {
  assert.deepEqual(tokenize('fs.readFile()'), ['fs.readfile', 'fs', 'read', 'file']);
  assert.deepEqual(tokenize('Node.js'), ['node.js', 'node', 'js']);
  assert.deepEqual(tokenize('getElementById'), ['getelementbyid', 'get', 'element', 'by', 'id']);
  assert.deepEqual(tokenize('HTTPServer'), ['httpserver', 'http', 'server']);
});

test('a TeX command keeps its backslash besides the plain word', () => {
  assert.deepEqual(tokenize('\\chapter{Intro}'), ['\\chapter', 'chapter', 'intro']);
  assert.ok(!tokenize('a chapter').includes('\\chapter'));
});

test('numbers and versions are verbatim, never stemmed', () => {
  assert.deepEqual(tokenize('Python 3.11 returns 404'), ['python', '3.11', 'return', '404']);
  assert.deepEqual(tokenize('v20.1.0'), ['v20.1.0', 'v20', '1', '0']);
  assert.deepEqual(tokenize('1,000.5'), ['1,000.5']);
});

test('English words are stemmed and case-folded, punctuation dropped', () => {
  assert.deepEqual(tokenize('Running, RUNS; ran!'), ['run', 'run', 'ran']);
  assert.deepEqual(tokenize('Serializing objects'), ['serial', 'object']);
});

test('non-English text: Unicode segmentation, Snowball where it applies', () => {
  assert.deepEqual(tokenize('Straße'), ['straße']);
  assert.deepEqual(tokenize('Привет, миру'), ['привет', 'мир']);
  // Japanese has no spaces: ICU's dictionary segmentation finds the words.
  const japanese = tokenize('東京都に住んでいます');
  assert.ok(japanese.includes('東京'), japanese.join(' '));
  assert.ok(japanese.length >= 4);
  assert.deepEqual(tokenize('ＦＵＬＬＷＩＤＴＨ'), ['fullwidth']); // NFKC
});

test('overlong terms are dropped', () => {
  assert.deepEqual(tokenize(`x ${'a'.repeat(65)} y`), ['x', 'y']);
});

test('sparse vectors: stable hashed indices, BM25 tf weights, query weight 1', () => {
  assert.equal(termIndex('pg_waldump'), termIndex('pg_waldump'));
  assert.notEqual(termIndex('pg_waldump'), termIndex('pg_walsummary'));
  const doc = documentSparseVector('error error error warning');
  assert.equal(doc.indices.length, 2);
  const weightOf = (term: string) => doc.values[doc.indices.indexOf(termIndex(term))] ?? 0;
  assert.ok(weightOf('error') > weightOf('warn'), 'more occurrences weigh more');
  assert.ok(weightOf('error') < 3 * weightOf('warn'), 'but saturate');
  assert.deepEqual([...doc.indices], [...doc.indices].sort((a, b) => a - b));
  const query = querySparseVector('error error');
  assert.deepEqual(query, { indices: [termIndex('error')], values: [1] });
  assert.deepEqual(querySparseVector('   '), { indices: [], values: [] });
});

test('a word\'s terms do not depend on the text around it, and long inputs stay linear', () => {
  assert.deepEqual(tokenize('東京 node.js'), [...tokenize('東京'), ...tokenize('node.js')]);
  assert.deepEqual(tokenize("can't e.g. c:func"), ["can't", 'e.g', 'e', 'g', 'c', 'func']);
  const started = performance.now();
  assert.ok(tokenize('漢字'.repeat(50_000)).length > 0);
  assert.ok(tokenize('word '.repeat(100_000)).length === 100_000);
  assert.ok(performance.now() - started < 10_000, 'linear in the input');
});
