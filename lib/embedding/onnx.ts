/**
 * In-process embeddings: the all-MiniLM-L6-v2 ONNX graph made by stack/model/convert.py, run
 * with onnxruntime-node on the CPU. The graph already pools and L2-normalises
 * (`sentence_embedding` output), so this module only tokenises, batches and copies out.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { EmbeddingBackendError, EmbeddingConfigError } from './errors.js';
import type { Embedder, EmbeddingModel } from './types.js';

/** Options of {@link createOnnxEmbedder}. */
export interface OnnxEmbedderOptions {
  /** Directory written by stack/model/convert.py (holds sluice-model.json). */
  modelDir: string;
  /** Graph file inside `modelDir`: `model.onnx` (fp32, default) or `model_int8.onnx`. */
  modelFile?: string;
  /** onnxruntime intra-op threads; 0 (default) lets onnxruntime choose (one per core). */
  threads?: number;
  /**
   * Texts per inference call (default 8: attention activations grow with batch × length², and
   * 8 × 256 tokens already keeps the cores busy; 32 doubled peak RSS for no speed on 2 cores).
   */
  batchSize?: number;
  /** Longest token sequence fed to the model; longer texts are truncated. Default: the manifest's. */
  maxSeqLength?: number;
}

/** sluice-model.json, as written by stack/model/convert.py. */
interface ModelManifest {
  name: string;
  dimension: number;
  max_seq_length: number;
}

/**
 * The part of @huggingface/tokenizers this module uses. The package's .d.ts files import each
 * other without file extensions, which NodeNext resolution cannot follow, so its types arrive
 * as `any`; this interface restores checking for the calls made here.
 */
interface HuggingFaceTokenizer {
  encode(text: string, options: { add_special_tokens: boolean; return_token_type_ids: true }): { ids: number[]; token_type_ids: number[] };
  token_to_id(token: string): number | undefined;
}
const TokenizerFromJson = Tokenizer as new (tokenizerJson: object, tokenizerConfig: object) => HuggingFaceTokenizer;

/** One tokenised text, already truncated. */
interface TokenizedText {
  ids: number[];
  typeIds: number[];
}

const MANIFEST_FILE = 'sluice-model.json';
const DEFAULT_MODEL_FILE = 'model.onnx';
const DEFAULT_BATCH_SIZE = 8;
const OUTPUT_NAME = 'sentence_embedding';
const SETUP_HINT = 'run `make install` (the set-up converts all-MiniLM-L6-v2 into that directory) or point SLUICE_MODEL_DIR at a converted model';

/**
 * Loads the tokenizer and the ONNX session once; the returned embedder reuses both.
 * @throws {EmbeddingConfigError} when files are missing from `modelDir` or an option is invalid.
 */
export async function createOnnxEmbedder(options: OnnxEmbedderOptions): Promise<Embedder> {
  const modelDir = resolve(options.modelDir);
  const modelFile = options.modelFile ?? DEFAULT_MODEL_FILE;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const threads = options.threads ?? 0;
  requireInteger('batchSize', batchSize, 1);
  requireInteger('threads', threads, 0);

  const required = [MANIFEST_FILE, modelFile, 'tokenizer.json', 'tokenizer_config.json', 'config.json'];
  const missing = required.filter((file) => !existsSync(join(modelDir, file)));
  if (missing.length > 0) {
    throw new EmbeddingConfigError(`embedding model directory ${modelDir} lacks ${missing.join(', ')}: ${SETUP_HINT}`);
  }

  const manifest = parseManifest(await readJson(join(modelDir, MANIFEST_FILE)));
  const bertConfig = (await readJson(join(modelDir, 'config.json'))) as { max_position_embeddings?: unknown };
  const maxSeqLength = options.maxSeqLength ?? manifest.max_seq_length;
  // At least [CLS] and [SEP]; at most what the position-embedding table covers.
  const positionLimit = typeof bertConfig.max_position_embeddings === 'number' ? bertConfig.max_position_embeddings : manifest.max_seq_length;
  requireInteger('maxSeqLength', maxSeqLength, 2, positionLimit);

  const tokenizerConfig = (await readJson(join(modelDir, 'tokenizer_config.json'))) as { pad_token?: unknown };
  const tokenizer = new TokenizerFromJson(await readJson(join(modelDir, 'tokenizer.json')), tokenizerConfig);
  const padToken = typeof tokenizerConfig.pad_token === 'string' ? tokenizerConfig.pad_token : '[PAD]';
  const padId = BigInt(tokenizer.token_to_id(padToken) ?? 0);

  let session: InferenceSession;
  try {
    session = await InferenceSession.create(join(modelDir, modelFile), {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      ...(threads > 0 ? { intraOpNumThreads: threads } : {}),
      // Memory patterns pre-plan one allocation layout per input shape; every batch here has
      // its own sequence length, so they only pile up (measured: peak RSS 1,030 -> 610 MB at
      // batch 32, same speed).
      enableMemPattern: false,
      // Idle intra-op threads sleep instead of spin-waiting for the next parallel section: in a
      // pipeline, split, index and the broker need the cores the spinners would burn. Measured
      // on 2 shared cores: 1.45x more chunks per CPU second, the same or better wall time.
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
  } catch (err) {
    throw new EmbeddingConfigError(`cannot load ${join(modelDir, modelFile)}: ${(err as Error).message}; ${SETUP_HINT}`, { cause: err });
  }
  if (!session.outputNames.includes(OUTPUT_NAME)) {
    await session.release();
    throw new EmbeddingConfigError(`${modelFile} has no '${OUTPUT_NAME}' output (not made by stack/model/convert.py?): ${SETUP_HINT}`);
  }

  const model: EmbeddingModel = Object.freeze({ name: manifest.name, dimension: manifest.dimension });

  function tokenize(text: string): TokenizedText {
    const encoding = tokenizer.encode(text, { add_special_tokens: true, return_token_type_ids: true });
    let { ids } = encoding;
    let typeIds = encoding.token_type_ids;
    // @huggingface/tokenizers does not truncate. This is what the Rust tokenizer does for a
    // single BERT sequence: keep the first tokens and the closing [SEP] ([CLS] ... [SEP]).
    if (ids.length > maxSeqLength) {
      ids = [...ids.slice(0, maxSeqLength - 1), ids[ids.length - 1]!];
      typeIds = [...typeIds.slice(0, maxSeqLength - 1), typeIds[typeIds.length - 1]!];
    }
    return { ids, typeIds };
  }

  async function runBatch(batch: readonly TokenizedText[]): Promise<Float32Array[]> {
    // Pad to the longest text of this batch only: attention cost grows with the square of it.
    const seqLength = batch.reduce((longest, t) => Math.max(longest, t.ids.length), 0);
    const cells = batch.length * seqLength;
    const inputIds = new BigInt64Array(cells).fill(padId);
    const attentionMask = new BigInt64Array(cells);
    const tokenTypeIds = new BigInt64Array(cells);
    batch.forEach((text, row) => {
      const offset = row * seqLength;
      text.ids.forEach((id, col) => {
        inputIds[offset + col] = BigInt(id);
        attentionMask[offset + col] = 1n;
        tokenTypeIds[offset + col] = BigInt(text.typeIds[col] ?? 0);
      });
    });
    const dims = [batch.length, seqLength];
    let output: Tensor;
    try {
      const results = await session.run(
        {
          input_ids: new Tensor('int64', inputIds, dims),
          attention_mask: new Tensor('int64', attentionMask, dims),
          token_type_ids: new Tensor('int64', tokenTypeIds, dims),
        },
        [OUTPUT_NAME],
      );
      output = results[OUTPUT_NAME]!;
    } catch (err) {
      // A failing CPU inference is a bug or a broken model, not something a retry fixes.
      throw new EmbeddingBackendError(`onnxruntime inference failed: ${(err as Error).message}`, { cause: err });
    }
    const data = output.data as Float32Array;
    if (output.dims[0] !== batch.length || output.dims[1] !== model.dimension) {
      throw new EmbeddingBackendError(`model returned shape [${output.dims.join(', ')}], expected [${batch.length}, ${model.dimension}]`);
    }
    // slice() copies: each caller-owned vector must not pin or alias the batch buffer.
    return batch.map((_, row) => data.slice(row * model.dimension, (row + 1) * model.dimension));
  }

  async function embedNow(texts: readonly string[]): Promise<Float32Array[]> {
    const tokenized = texts.map(tokenize);
    // Batch texts of similar length together so little of each batch is padding; the stable
    // sort plus the index map restores the caller's order.
    const order = tokenized.map((_, i) => i).sort((a, b) => tokenized[a]!.ids.length - tokenized[b]!.ids.length);
    const vectors = new Array<Float32Array>(texts.length);
    for (let start = 0; start < order.length; start += batchSize) {
      const indices = order.slice(start, start + batchSize);
      const batchVectors = await runBatch(indices.map((i) => tokenized[i]!));
      indices.forEach((original, row) => {
        vectors[original] = batchVectors[row]!;
      });
    }
    return vectors;
  }

  // One inference at a time: onnxruntime already spreads a batch over every core, and
  // concurrent runs on one session would only oversubscribe them (and raise peak memory).
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;

  return {
    model,
    embed(texts) {
      if (closed) return Promise.reject(new EmbeddingBackendError('embedder is closed'));
      if (texts.length === 0) return Promise.resolve([]);
      const run = queue.then(() => embedNow(texts));
      queue = run.catch(() => undefined);
      return run;
    },
    async close() {
      if (closed) return;
      closed = true;
      await queue;
      await session.release();
    },
  };
}

async function readJson(path: string): Promise<object> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as object;
  } catch (err) {
    throw new EmbeddingConfigError(`cannot read ${path}: ${(err as Error).message}; ${SETUP_HINT}`, { cause: err });
  }
}

function parseManifest(raw: object): ModelManifest {
  const manifest = raw as Partial<Record<keyof ModelManifest, unknown>>;
  const { name, dimension, max_seq_length: maxSeqLength } = manifest;
  if (typeof name !== 'string' || !isPositiveInteger(dimension) || !isPositiveInteger(maxSeqLength)) {
    throw new EmbeddingConfigError(`${MANIFEST_FILE} lacks name, dimension or max_seq_length: ${SETUP_HINT}`);
  }
  return { name, dimension, max_seq_length: maxSeqLength };
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

function requireInteger(option: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `between ${min} and ${max}`;
    throw new EmbeddingConfigError(`${option} must be an integer ${range}, got ${value}`);
  }
}
