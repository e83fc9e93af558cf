import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExtractError } from '../extract/index.js';
import { createIsolatedSplitter } from './isolated.js';
import { createWorkerPool } from './pool.js';
import type { ExtractJob } from './protocol.js';

const limits = { maxPages: 10, maxExtractedChars: 100_000, maxInflateRatio: 100, maxNestingDepth: 100 };
const chunking = { size: 200, overlap: 20 };
const job: ExtractJob = { bytes: new Uint8Array(), key: 'x.txt', contentType: '', limits, chunking };
const fixture = (name: string) => new URL(`./fixtures/${name}.ts`, import.meta.url);
const failsWith = (reason: string) => (err: unknown) => {
  assert.ok(err instanceof ExtractError, String(err));
  assert.equal(err.reason, reason, err.message);
  return true;
};

test('extracts and chunks in a child process; failures cross the process boundary with their reason', async () => {
  const splitter = createIsolatedSplitter(limits, chunking, { deadlineMs: 30_000, maxMemoryMb: 256, size: 1 });
  const { kind, chunks } = await splitter.split(Buffer.from('# Title\nbody text'), 'a.md', '');
  assert.equal(kind, 'markdown');
  assert.deepEqual(chunks.map((c) => [c.index, c.text, c.heading]), [[0, '# Title\nbody text', 'Title']]);
  await assert.rejects(splitter.split(Buffer.from('\x89PNG\r\n\x1a\n'), 'a.pdf', ''), failsWith('unsupported_type'));
  await assert.rejects(splitter.split(Buffer.from('word '.repeat(30_000)), 'a.txt', ''), failsWith('too_much_text'));
  await splitter.close();
});

test('more documents than workers wait their turn and all complete', async () => {
  const splitter = createIsolatedSplitter(limits, chunking, { deadlineMs: 30_000, maxMemoryMb: 256, size: 2 });
  const texts = Array.from({ length: 6 }, (_, i) => `document number ${i}`);
  const results = await Promise.all(texts.map((text, i) => splitter.split(Buffer.from(text), `${i}.txt`, '')));
  assert.deepEqual(results.map((r) => r.chunks[0]?.text), texts);
  await splitter.close();
});

test('a parser that never yields is terminated at the deadline, and the pool carries on', async () => {
  const pool = createWorkerPool(fixture('spin'), { deadlineMs: 1500, maxMemoryMb: 64, size: 1 });
  const started = Date.now();
  await assert.rejects(pool.run(job), failsWith('deadline'));
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 1500, `failed after ${elapsed} ms, before the deadline`);
  // The next job gets a new worker (which spins too): proof the slot was replaced, not wedged.
  await assert.rejects(pool.run(job), failsWith('deadline'));
  await pool.close();
});

test('OCR moves the deadline out by OCR_TIMEOUT_MS once: a worker cannot claim it twice', async () => {
  const ocrJob = { ...job, limits: { ...limits, ocr: { enabled: true, languages: 'eng', timeoutMs: 1500, maxPages: 5, dpi: 200, maxPixels: 1e6 } } };
  const pool = createWorkerPool(fixture('ocr'), { deadlineMs: 1000, maxMemoryMb: 64, size: 1 });
  // 2 s: past SPLIT_DEADLINE_MS alone, within it plus OCR_TIMEOUT_MS.
  assert.equal((await pool.run({ ...ocrJob, key: 'scan-2000.pdf' })).chunks[0]?.text, 'scan-2000.pdf');
  const started = Date.now();
  await assert.rejects(pool.run({ ...ocrJob, key: 'twice-60000.pdf' }), failsWith('deadline'));
  const elapsed = Date.now() - started;
  assert.ok(elapsed < 1000 + 1500 + 2000 + 1500, `ended after ${elapsed} ms: extended more than once`);
  // Without OCR limits in the job, a claim of OCR extends nothing.
  await assert.rejects(pool.run({ ...job, key: 'plain-2000.pdf' }), failsWith('deadline'));
  await pool.close();
});

test('a parser that exhausts its heap fails the document, not the process', async () => {
  const pool = createWorkerPool(fixture('hog'), { deadlineMs: 60_000, maxMemoryMb: 32, size: 1 });
  await assert.rejects(pool.run(job), failsWith('out_of_memory'));
  await pool.close();
  const splitter = createIsolatedSplitter(limits, chunking, { deadlineMs: 30_000, maxMemoryMb: 256, size: 1 });
  assert.equal((await splitter.split(Buffer.from('still alive'), 'b.txt', '')).chunks[0]?.text, 'still alive');
  await splitter.close();
});

test('a parser that allocates ArrayBuffers without end fails that document out_of_memory; the others are served', async () => {
  // The V8 heap cap never sees ArrayBuffers; the OS limit on the process (RLIMIT_DATA) does.
  const pool = createWorkerPool(fixture('buffers'), { deadlineMs: 60_000, maxMemoryMb: 64, maxDataMb: 768, size: 2 });
  const started = Date.now();
  const [huge, normal] = await Promise.allSettled([pool.run({ ...job, key: 'huge.pdf' }), pool.run({ ...job, key: 'normal.txt' })]);
  assert.equal(huge.status, 'rejected');
  failsWith('out_of_memory')((huge as PromiseRejectedResult).reason);
  assert.match(((huge as PromiseRejectedResult).reason as Error).message, /SPLIT_WORKER_MAX_DATA_MB/);
  assert.equal(normal.status === 'fulfilled' && normal.value.chunks[0]?.text, 'normal.txt');
  // The pool replaced the process and goes on; this process never came near the limit.
  assert.equal((await pool.run({ ...job, key: 'after.txt' })).chunks[0]?.text, 'after.txt');
  const rssMb = process.memoryUsage.rss() / 1024 / 1024;
  console.log(`ArrayBuffer hog stopped in ${Date.now() - started} ms; this process's RSS ${Math.round(rssMb)} MiB`);
  assert.ok(rssMb < 768, `${rssMb} MiB`);
  await pool.close();
});

test('an uncaught parser exception fails the document', async () => {
  const pool = createWorkerPool(fixture('crash'), { deadlineMs: 30_000, maxMemoryMb: 64, size: 1 });
  await assert.rejects(pool.run(job), failsWith('corrupt'));
  await pool.close();
});

test('a worker that cannot start is an operational error (retried), not a document failure', async () => {
  const pool = createWorkerPool(fixture('missing'), { deadlineMs: 30_000, maxMemoryMb: 64, size: 1 });
  await assert.rejects(pool.run(job), (err: unknown) => {
    assert.ok(!(err instanceof ExtractError), String(err));
    assert.match((err as Error).message, /did not start/);
    return true;
  });
  await pool.close();
});
