import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBatchingEmbedder } from './batching.js';
import { TransientError } from '../runtime/errors.js';
import { EmbeddingBackendError, EmbeddingUnavailableError } from './errors.js';
import type { Embedder } from './types.js';

/** A backend that records each call and answers [number in the text] per text. */
function recordingBackend(options: { delayMs?: number; refuse?: string; overloaded?: boolean } = {}) {
  const calls: string[][] = [];
  let closed = false;
  const embedder: Embedder = {
    model: { name: 'fake', dimension: 1 },
    async embed(texts) {
      calls.push([...texts]);
      await new Promise((r) => setTimeout(r, options.delayMs ?? 1));
      if (options.overloaded) throw new EmbeddingUnavailableError('busy');
      if (options.refuse !== undefined && texts.includes(options.refuse)) throw new EmbeddingBackendError('bad input');
      return texts.map((t) => Float32Array.of(Number(t.replace(/\D/g, ''))));
    },
    async close() {
      closed = true;
    },
  };
  return { embedder, calls, isClosed: () => closed };
}

const values = (vectors: Float32Array[]) => vectors.map((v) => v[0]);

describe('batching embedder', () => {
  it('combines concurrent calls into one backend call and gives each caller its own vectors', async () => {
    const backend = recordingBackend();
    const batching = createBatchingEmbedder(backend.embedder, { maxBatch: 8, lingerMs: 20 });
    const [a, b, c] = await Promise.all([batching.embed(['t1', 't2']), batching.embed(['t3']), batching.embed(['t4', 't5', 't6'])]);
    assert.deepEqual(values(a), [1, 2]);
    assert.deepEqual(values(b), [3]);
    assert.deepEqual(values(c), [4, 5, 6]);
    assert.deepEqual(backend.calls, [['t1', 't2', 't3', 't4', 't5', 't6']]);
  });

  it('leaves at once when the batch is full, and never splits a call', async () => {
    const backend = recordingBackend();
    const batching = createBatchingEmbedder(backend.embedder, { maxBatch: 3, lingerMs: 10_000 });
    const started = Date.now();
    const results = await Promise.all([batching.embed(['t1', 't2']), batching.embed(['t3']), batching.embed(['t4', 't5', 't6', 't7'])]);
    assert.ok(Date.now() - started < 5_000, 'full batches must not wait for the linger time');
    assert.deepEqual(results.map(values), [[1, 2], [3], [4, 5, 6, 7]]);
    assert.deepEqual(backend.calls, [['t1', 't2', 't3'], ['t4', 't5', 't6', 't7']]);
  });

  it('what queued while the backend was busy leaves in one call of at most maxCallTexts', async () => {
    const backend = recordingBackend({ delayMs: 50 });
    const batching = createBatchingEmbedder(backend.embedder, { maxBatch: 2, maxCallTexts: 5, lingerMs: 0 });
    const first = batching.embed(['t0']);
    await new Promise((r) => setTimeout(r, 10));
    const queued = [batching.embed(['t1', 't2']), batching.embed(['t3', 't4']), batching.embed(['t5']), batching.embed(['t6', 't7'])];
    const results = await Promise.all([first, ...queued]);
    assert.deepEqual(results.map(values), [[0], [1, 2], [3, 4], [5], [6, 7]]);
    assert.deepEqual(backend.calls, [['t0'], ['t1', 't2', 't3', 't4', 't5'], ['t6', 't7']]);
  });

  it('a lone call waits no longer than the linger time', async () => {
    const backend = recordingBackend();
    const batching = createBatchingEmbedder(backend.embedder, { maxBatch: 64, lingerMs: 30 });
    assert.deepEqual(values(await batching.embed(['t9'])), [9]);
    assert.deepEqual(backend.calls, [['t9']]);
  });

  it('calls that arrive while the backend is busy leave together in the next batch', async () => {
    const backend = recordingBackend({ delayMs: 50 });
    const batching = createBatchingEmbedder(backend.embedder, { maxBatch: 16, lingerMs: 0 });
    const first = batching.embed(['t1']);
    await new Promise((r) => setTimeout(r, 10));
    const later = [batching.embed(['t2']), batching.embed(['t3', 't4'])];
    await Promise.all([first, ...later]);
    assert.deepEqual(backend.calls, [['t1'], ['t2', 't3', 't4']]);
  });

  it('a text the backend refuses fails only its own caller', async () => {
    const backend = recordingBackend({ refuse: 't2' });
    const batching = createBatchingEmbedder(backend.embedder, { maxBatch: 8, lingerMs: 20 });
    const [ok1, bad, ok2] = await Promise.allSettled([batching.embed(['t1']), batching.embed(['t2']), batching.embed(['t3'])]);
    assert.equal(ok1.status, 'fulfilled');
    assert.equal(bad.status, 'rejected');
    assert.equal(ok2.status, 'fulfilled');
    assert.deepEqual(ok2.status === 'fulfilled' ? values(ok2.value) : [], [3]);
    assert.ok(bad.status === 'rejected' && bad.reason instanceof EmbeddingBackendError && !(bad.reason instanceof TransientError));
  });

  it('a retryable failure reaches every caller of the batch, still retryable', async () => {
    const backend = recordingBackend({ overloaded: true });
    const batching = createBatchingEmbedder(backend.embedder, { maxBatch: 8, lingerMs: 20 });
    const results = await Promise.allSettled([batching.embed(['t1']), batching.embed(['t2'])]);
    for (const r of results) assert.ok(r.status === 'rejected' && r.reason instanceof EmbeddingUnavailableError && r.reason instanceof TransientError);
    assert.equal(backend.calls.length, 1, 'no per-call re-run for an overload');
  });

  it('close finishes accepted calls, closes the backend and refuses new calls', async () => {
    const backend = recordingBackend({ delayMs: 20 });
    const batching = createBatchingEmbedder(backend.embedder, { maxBatch: 8, lingerMs: 1_000 });
    const pending = batching.embed(['t7']);
    await batching.close();
    assert.deepEqual(values(await pending), [7]);
    assert.ok(backend.isClosed());
    await assert.rejects(batching.embed(['t1']), EmbeddingBackendError);
  });
});
