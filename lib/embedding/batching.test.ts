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

/** Array.prototype.findLastIndex, which the ES2022 library of this build lacks. */
function lastIndexOf<T>(items: readonly T[], predicate: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (predicate(items[i]!)) return i;
  return -1;
}

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

  it('leaves at once when the batch is full', async () => {
    const backend = recordingBackend();
    const batching = createBatchingEmbedder(backend.embedder, { maxBatch: 3, lingerMs: 10_000 });
    const started = Date.now();
    const results = await Promise.all([batching.embed(['t1', 't2']), batching.embed(['t3']), batching.embed(['t4', 't5', 't6', 't7'])]);
    assert.ok(Date.now() - started < 5_000, 'full batches must not wait for the linger time');
    assert.deepEqual(results.map(values), [[1, 2], [3], [4, 5, 6, 7]]);
    assert.deepEqual(backend.calls, [['t1', 't2', 't3'], ['t4', 't5', 't6', 't7']]);
  });

  it('what queued while the backend was busy leaves in calls of at most maxCallTexts: the oldest first, then the shortest', async () => {
    const backend = recordingBackend({ delayMs: 50 });
    const batching = createBatchingEmbedder(backend.embedder, { maxBatch: 2, maxCallTexts: 5, lingerMs: 0 });
    const first = batching.embed(['t0']);
    await new Promise((r) => setTimeout(r, 10));
    const queued = [batching.embed(['t1', 't2']), batching.embed(['t3', 't4']), batching.embed(['t5']), batching.embed(['t6', 't7'])];
    const results = await Promise.all([first, ...queued]);
    assert.deepEqual(results.map(values), [[0], [1, 2], [3, 4], [5], [6, 7]]);
    assert.deepEqual(backend.calls, [['t0'], ['t1', 't2', 't5', 't3', 't4'], ['t6', 't7']]);
  });

  it('splits a big call into backend calls of at most maxCallTexts, shortest texts first, vectors in the caller\'s order', async () => {
    const backend = recordingBackend();
    const batching = createBatchingEmbedder(backend.embedder, { maxBatch: 4, maxCallTexts: 8, lingerMs: 0 });
    // 50 texts whose lengths are all mixed up: "t<i>" and (i × 37) mod 50 x's.
    const texts = Array.from({ length: 50 }, (_, i) => `t${i}${'x'.repeat((i * 37) % 50)}`);
    assert.deepEqual(values(await batching.embed(texts)), texts.map((_, i) => Number(`${i}`)));
    assert.equal(backend.calls.length, 7);
    assert.ok(backend.calls.every((call) => call.length <= 8));
    const lengths = backend.calls.flat().map((t) => t.length);
    assert.deepEqual(lengths, [...lengths].sort((a, b) => a - b), 'each piece holds texts of similar length');
  });

  it('a small call issued while a 2 000-text call runs leaves in the next backend call', async () => {
    const backend = recordingBackend({ delayMs: 5 });
    const batching = createBatchingEmbedder(backend.embedder, { maxBatch: 8, maxCallTexts: 32, lingerMs: 0 });
    const big = batching.embed(Array.from({ length: 2000 }, (_, i) => `b${i}`));
    await new Promise((r) => setTimeout(r, 30));
    const inFlight = backend.calls.length - 1;
    assert.ok(inFlight >= 1 && inFlight < 60, `the big call is under way (${inFlight})`);
    const small = await batching.embed(Array.from({ length: 10 }, (_, i) => `s${i}`));
    assert.deepEqual(values(small), Array.from({ length: 10 }, (_, i) => i));
    const lastWithSmall = lastIndexOf(backend.calls, (call) => call.some((t) => t.startsWith('s')));
    assert.equal(lastWithSmall, inFlight + 1, 'done after the call in progress and one more');
    assert.equal(backend.calls[lastWithSmall]!.filter((t) => t.startsWith('b')).length, 22, 'the big call fills the rest');
    assert.deepEqual(values(await big), Array.from({ length: 2000 }, (_, i) => i));
  });

  it('the longest-waiting caller gets its share of every call, however many short callers keep arriving', async () => {
    let calls = 0;
    const seen: string[][] = [];
    let batching: ReturnType<typeof createBatchingEmbedder>;
    const small: Promise<Float32Array[]>[] = [];
    const backend: Embedder = {
      model: { name: 'fake', dimension: 1 },
      async embed(texts) {
        seen.push([...texts]);
        // Two short callers arrive during each of the first 20 backend calls: more than a call
        // holds, so shortest-remaining-first alone would never come back to the big caller.
        if (++calls <= 20) for (const c of ['x', 'y']) small.push(batching.embed([`s${calls}${c}1`, `s${calls}${c}2`, `s${calls}${c}3`, `s${calls}${c}4`]));
        await new Promise((r) => setTimeout(r, 1));
        return texts.map((t) => Float32Array.of(Number(t.replace(/\D/g, ''))));
      },
      async close() {},
    };
    batching = createBatchingEmbedder(backend, { maxBatch: 4, maxCallTexts: 8, lingerMs: 0 });
    const big = batching.embed(Array.from({ length: 40 }, (_, i) => `b${i}`));
    await big;
    await Promise.all(small);
    const untilBigDone = seen.slice(0, lastIndexOf(seen, (call) => call.some((t) => t.startsWith('b'))) + 1);
    assert.ok(untilBigDone.every((call) => call.filter((t) => t.startsWith('b')).length >= 4), 'the big caller got at least 4 texts of each 8-text call');
    assert.ok(untilBigDone.length <= 9, `the big caller was done after ${untilBigDone.length} calls`);
    assert.ok(seen.length > untilBigDone.length + 1, 'short callers were still waiting when it finished');
  });

  it('a refused caller\'s texts not yet handed out are dropped, not sent', async () => {
    const backend = recordingBackend({ refuse: 't0' });
    const batching = createBatchingEmbedder(backend.embedder, { maxBatch: 2, maxCallTexts: 2, lingerMs: 0 });
    await assert.rejects(batching.embed(['t0', 't1', 't2', 't3', 't4', 't5']), EmbeddingBackendError);
    assert.deepEqual(backend.calls, [['t0', 't1']]);
    assert.deepEqual(values(await batching.embed(['t9'])), [9], 'the embedder goes on serving');
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
