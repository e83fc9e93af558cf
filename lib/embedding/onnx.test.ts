/**
 * Runs the real converted all-MiniLM-L6-v2 (fp32 and int8). The model is part of the set-up,
 * so a missing model directory fails the suite with the command to run instead of skipping:
 * a skipped test would hide a broken install.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, beforeEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EmbeddingConfigError } from './errors.js';
import { createOnnxEmbedder } from './onnx.js';
import type { Embedder } from './types.js';

const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const MODEL_DIR = process.env.SLUICE_MODEL_DIR ? resolve(REPO_ROOT, process.env.SLUICE_MODEL_DIR) : join(REPO_ROOT, '.sluice/model');

/** Published with the model (sentence-transformers README, `model.similarity`). */
const REFERENCE_SENTENCES = ['The weather is lovely today.', "It's so sunny outside!", 'He drove to the stadium.'];
const REFERENCE_SIMILARITY = [
  [1.0, 0.666, 0.1046],
  [0.666, 1.0, 0.1411],
  [0.1046, 0.1411, 1.0],
];

/** Varied on purpose: prose, code, numbers, non-English, fragments, long and short. */
const VARIED_SENTENCES = [
  'The quick brown fox jumps over the lazy dog.',
  'Quantum computers use qubits that can represent superpositions of states.',
  'Add two cups of flour, a pinch of salt and stir until smooth.',
  'Invoice #4471 is overdue by 30 days; please remit payment to the address below.',
  'def fibonacci(n): return n if n < 2 else fibonacci(n - 1) + fibonacci(n - 2)',
  'Le chat dort sur le canapé depuis ce matin.',
  'Der Zug nach Berlin hat zwanzig Minuten Verspätung.',
  'The central bank raised interest rates by 25 basis points on Wednesday.',
  'My dog loves chasing squirrels in the park after it rains.',
  'How do I reset my password if I no longer have access to my email?',
  'Photosynthesis converts light energy into chemical energy stored in glucose.',
  'SELECT name, count(*) FROM orders GROUP BY name HAVING count(*) > 10;',
  'Error: ECONNREFUSED 127.0.0.1:5432 - is the database running?',
  'The patient presented with a mild fever and a persistent dry cough.',
  'Shakespeare wrote Hamlet around the year 1600.',
  'Rain expected tomorrow.',
  'Kubernetes schedules pods onto nodes based on resource requests and affinity rules.',
  'She finished the marathon in three hours and forty-two minutes.',
  'The contract terminates automatically unless renewed in writing thirty days before expiry.',
  'Mount Everest is the highest mountain above sea level, at 8,849 metres.',
  'Please keep your seatbelt fastened while the sign is illuminated.',
  'The mitochondria is the powerhouse of the cell.',
  'Gradient descent updates parameters in the direction of the negative gradient.',
  'We are sorry, the item you ordered is out of stock.',
  'Tokyo, Osaka and Kyoto are among the most visited cities in Japan.',
  'An apple a day keeps the doctor away.',
  'Temperature: 23.5 °C, humidity 61 %, wind 12 km/h from the north-west.',
  'The committee postponed its decision until more evidence could be gathered.',
  'lol that was hilarious 😂 see you tmrw',
  'In 1969, Apollo 11 landed the first humans on the Moon.',
];

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    normA += a[i]! * a[i]!;
    normB += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(normA * normB);
}

function norm(v: Float32Array): number {
  return Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));
}

let loading: Promise<{ fp32: Embedder; int8: Embedder }> | undefined;

/**
 * Loads both models once for the whole file. Each test awaits this, so a missing model fails
 * every test with the set-up instruction (a throwing `before` hook reports "0 failed" in the
 * totals, which reads like a run with nothing in it).
 */
function loadModels(): Promise<{ fp32: Embedder; int8: Embedder }> {
  loading ??= (async () => {
    if (!existsSync(join(MODEL_DIR, 'sluice-model.json'))) {
      throw new Error(
        `converted model not found in ${MODEL_DIR}: run \`make install\` (or ` +
          `\`.venv/bin/python stack/model/convert.py --out ${MODEL_DIR}\`), or set SLUICE_MODEL_DIR`,
      );
    }
    const fp32 = await createOnnxEmbedder({ modelDir: MODEL_DIR });
    const int8 = await createOnnxEmbedder({ modelDir: MODEL_DIR, modelFile: 'model_int8.onnx' });
    return { fp32, int8 };
  })();
  return loading;
}

describe('ONNX embedder (all-MiniLM-L6-v2)', () => {
  let fp32: Embedder;
  let int8: Embedder;

  beforeEach(async () => {
    ({ fp32, int8 } = await loadModels());
  });

  after(async () => {
    const models = await loading?.catch(() => undefined);
    await models?.fp32.close();
    await models?.int8.close();
  });

  it('reproduces the published similarity matrix within 0.005', async () => {
    const vectors = await fp32.embed(REFERENCE_SENTENCES);
    const similarity = vectors.map((a) => vectors.map((b) => cosine(a, b)));
    similarity.forEach((row, i) =>
      row.forEach((value, j) => {
        const expected = REFERENCE_SIMILARITY[i]![j]!;
        assert.ok(Math.abs(value - expected) <= 0.005, `similarity[${i}][${j}] = ${value.toFixed(4)}, reference ${expected}`);
      }),
    );
  });

  it('returns 384-dimensional unit vectors, one Float32Array per text', async () => {
    assert.deepEqual({ ...fp32.model }, { name: 'sentence-transformers/all-MiniLM-L6-v2', dimension: 384 });
    const vectors = await fp32.embed(VARIED_SENTENCES.slice(0, 5));
    assert.equal(vectors.length, 5);
    for (const v of vectors) {
      assert.ok(v instanceof Float32Array);
      assert.equal(v.length, 384);
      assert.equal(v.byteOffset, 0, 'each vector owns its buffer (copied out of the batch)');
      assert.ok(Math.abs(norm(v) - 1) < 1e-5, `norm ${norm(v)}`);
    }
  });

  it('gives the same vector for a text alone and inside a padded, reordered batch', async () => {
    const text = 'Short text.';
    const [alone] = await fp32.embed([text]);
    // Longer texts around it force padding, and the length sort moves it to the front.
    const batch = [VARIED_SENTENCES[16]!, text, VARIED_SENTENCES[18]!.repeat(3)];
    const inBatch = await fp32.embed(batch);
    assert.ok(cosine(alone!, inBatch[1]!) > 0.9999, `cosine ${cosine(alone!, inBatch[1]!)}`);
    // Order restored: every slot matches its own text embedded alone.
    for (const [i, t] of batch.entries()) {
      const [single] = await fp32.embed([t]);
      assert.ok(cosine(single!, inBatch[i]!) > 0.9999, `slot ${i}`);
    }
  });

  it('int8 agrees with fp32: mean cosine >= 0.99 over varied sentences', async () => {
    const [a, b] = await Promise.all([fp32.embed(VARIED_SENTENCES), int8.embed(VARIED_SENTENCES)]);
    const cosines = a.map((v, i) => cosine(v, b[i]!));
    const mean = cosines.reduce((s, c) => s + c, 0) / cosines.length;
    const worst = Math.min(...cosines);
    assert.ok(mean >= 0.99, `mean cosine ${mean.toFixed(4)} (worst ${worst.toFixed(4)})`);
    assert.ok(worst >= 0.97, `worst cosine ${worst.toFixed(4)}`);
    assert.deepEqual({ ...int8.model }, { ...fp32.model });
  });

  it('int8 agrees with fp32 on chunk-sized passages (the default model file is int8)', async () => {
    // ~1,000-character passages like the pipeline's chunks, not just single sentences.
    const passages = Array.from({ length: 12 }, (_, i) =>
      Array.from({ length: 9 }, (_, j) => VARIED_SENTENCES[(i * 5 + j) % VARIED_SENTENCES.length]).join(' '),
    );
    const [a, b] = await Promise.all([fp32.embed(passages), int8.embed(passages)]);
    const cosines = a.map((v, i) => cosine(v, b[i]!));
    const mean = cosines.reduce((s, c) => s + c, 0) / cosines.length;
    assert.ok(mean >= 0.99, `mean cosine ${mean.toFixed(4)} (worst ${Math.min(...cosines).toFixed(4)})`);
    assert.ok(Math.min(...cosines) >= 0.97, `worst cosine ${Math.min(...cosines).toFixed(4)}`);
  });

  it('truncates a 5,000-word text instead of failing', async () => {
    const words = Array.from({ length: 5000 }, (_, i) => VARIED_SENTENCES[i % VARIED_SENTENCES.length]!.split(' ')[0]!.toLowerCase());
    const long = words.join(' ');
    // Same first thousand words, different tail: identical vectors prove the tail was cut.
    const otherTail = `${words.slice(0, 1000).join(' ')} ${'zebra '.repeat(4000)}`;
    const [a, b] = await fp32.embed([long, otherTail]);
    assert.equal(a!.length, 384);
    assert.ok(Math.abs(norm(a!) - 1) < 1e-5);
    assert.ok(cosine(a!, b!) > 0.9999, `cosine ${cosine(a!, b!)}`);
  });

  it('embeds an empty list and empty strings', async () => {
    assert.deepEqual(await fp32.embed([]), []);
    const [empty] = await fp32.embed(['']);
    assert.equal(empty!.length, 384);
  });
});

describe('ONNX embedder without a converted model', () => {
  it('says to run the set-up when the model directory has no model', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'sluice-no-model-'));
    try {
      await assert.rejects(createOnnxEmbedder({ modelDir: empty }), (err: unknown) => {
        assert.ok(err instanceof EmbeddingConfigError);
        assert.match(err.message, /make install/);
        assert.match(err.message, /model\.onnx/);
        return true;
      });
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
