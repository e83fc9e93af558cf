/**
 * Hybrid retrieval through the real stack: a verbatim sentence that dense vectors alone rank
 * below another document is found first when the sparse (BM25 + idf) branch is fused in;
 * every mode honours the key filter; and on the corpus's exact sentences hybrid is no worse
 * than dense anywhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { api, corpus, putObject, waitIndexed } from '../support/stack.js';
import { pointsOfKeys } from '../support/qdrant.js';
import { exactSentenceQueries } from '../support/retrieval.js';

const modes = ['dense', 'sparse', 'hybrid'] as const;

test('a verbatim sentence finds its document first in hybrid mode where dense-only did not', async () => {
  const { dir, documents } = corpus();
  const uploads = await Promise.all(documents.map(async (doc) => ({ key: doc.key, version: await putObject(doc.key, await readFile(join(dir, doc.key))) })));
  for (const doc of uploads) await waitIndexed(doc.key, doc.version, 240_000);
  const chunks = (await pointsOfKeys(uploads.map((d) => d.key))).map((p) => ({ key: p.payload.key, text: p.payload.text }));
  const queries = exactSentenceQueries(chunks, 4);
  assert.ok(queries.length >= 20, `only ${queries.length} sentences`);

  const firsts: Record<(typeof modes)[number], number> = { dense: 0, sparse: 0, hybrid: 0 };
  const rescued: string[] = [];
  for (const { query, key } of queries) {
    const top: Record<string, string | undefined> = {};
    for (const mode of modes) {
      top[mode] = (await api.search(query, 5, undefined, mode)).hits[0]?.key;
      if (top[mode] === key) firsts[mode]++;
    }
    if (top.hybrid === key && top.dense !== key) rescued.push(`${key}: "${query}" (dense found ${top.dense})`);
  }
  console.log(`# ${queries.length} exact sentences, hit@1: ${modes.map((m) => `${m} ${firsts[m]}`).join(', ')}`);
  console.log(`# found first only with hybrid:\n#   ${rescued.join('\n#   ')}`);
  assert.ok(rescued.length > 0, 'at least one sentence dense misses and hybrid finds');

  // How much better hybrid is (the hit@1 targets of issue 12) is measured by `make eval`, side by
  // side, not asserted here; this test pins that hybrid is no worse than dense and rescues sentences.
  assert.ok(firsts.hybrid >= firsts.dense, `hybrid ${firsts.hybrid} < dense ${firsts.dense}`);
});

test('every mode honours the key filter, and sparse mode needs no query embedding', async () => {
  const key = 'html/python/json.html';
  for (const mode of modes) {
    const { hits } = await api.search('random UUID from the heap queue', 5, key, mode);
    assert.ok(hits.length > 0, mode);
    assert.ok(hits.every((h) => h.key === key), `${mode}: ${hits.map((h) => h.key).join(', ')}`);
  }
  const sparse = await api.search('zqxw_vbnm qqzx', 5, undefined, 'sparse');
  assert.deepEqual(sparse.hits, [], 'terms in no document find nothing lexically');
});
