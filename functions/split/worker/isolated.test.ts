import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExtractError } from '../extract/index.js';
import { createIsolatedSplitter, runInWorker } from './isolated.js';
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

test('extracts and chunks in a worker', async () => {
  const splitter = createIsolatedSplitter(limits, chunking, { deadlineMs: 30_000, maxMemoryMb: 256 });
  const { kind, chunks } = await splitter.split(Buffer.from('# Title\nbody text'), 'a.md', '');
  assert.equal(kind, 'markdown');
  assert.deepEqual(chunks.map((c) => [c.index, c.text, c.heading]), [[0, '# Title\nbody text', 'Title']]);
});

test('document failures cross the thread boundary with their reason', async () => {
  const splitter = createIsolatedSplitter(limits, chunking, { deadlineMs: 30_000, maxMemoryMb: 256 });
  await assert.rejects(splitter.split(Buffer.from('\x89PNG\r\n\x1a\n'), 'a.pdf', ''), failsWith('unsupported_type'));
  await assert.rejects(splitter.split(Buffer.from('word '.repeat(30_000)), 'a.txt', ''), failsWith('too_much_text'));
});

test('a parser that never yields is terminated at the deadline', async () => {
  const started = Date.now();
  await assert.rejects(runInWorker(fixture('spin'), job, { deadlineMs: 1500, maxMemoryMb: 64 }), failsWith('deadline'));
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 1500, `failed after ${elapsed} ms, before the deadline`);
});

test('a parser that exhausts its heap fails the document, not the process', async () => {
  await assert.rejects(runInWorker(fixture('hog'), job, { deadlineMs: 60_000, maxMemoryMb: 32 }), failsWith('out_of_memory'));
  // This process is unharmed and can run the next document.
  const splitter = createIsolatedSplitter(limits, chunking, { deadlineMs: 30_000, maxMemoryMb: 256 });
  assert.equal((await splitter.split(Buffer.from('still alive'), 'b.txt', '')).chunks[0]?.text, 'still alive');
});

test('an uncaught parser exception fails the document', async () => {
  await assert.rejects(runInWorker(fixture('crash'), job, { deadlineMs: 30_000, maxMemoryMb: 256 }), failsWith('corrupt'));
});

test('a worker that cannot start is an operational error (retried), not a document failure', async () => {
  await assert.rejects(runInWorker(fixture('missing'), job, { deadlineMs: 30_000, maxMemoryMb: 256 }), (err: unknown) => {
    assert.ok(!(err instanceof ExtractError), String(err));
    assert.match((err as Error).message, /did not start/);
    return true;
  });
});
