/**
 * Vectors for a set of distinct texts: reused by content hash where the index already has one
 * (same model), computed by the model for the rest, every one checked against the configured
 * dimension.
 */
import { isVectorOf } from '../../lib/documents/verify.js';
import type { Embedder } from '../../lib/embedding/types.js';
import type { UniqueText } from './units.js';

export interface VectorSourceOptions {
  embedder: Embedder;
  /** Vectors already computed for chunks with these content hashes (same model). */
  knownVectors(hashes: readonly string[]): Promise<Map<string, ArrayLike<number>>>;
  /** EMBED_DIMENSION. */
  dimension: number;
}

export interface TextVectors {
  /** One vector per hash asked for. */
  vectors: Map<string, Float32Array>;
  /** How many the model computed; the others were reused. */
  computed: number;
}

export type VectorSource = (texts: readonly UniqueText[]) => Promise<TextVectors>;

export function createVectorSource({ embedder, knownVectors, dimension }: VectorSourceOptions): VectorSource {
  return async (texts) => {
    // Only texts never embedded go through the model: an edited document re-embeds its changed
    // chunks, not all of them. A stored vector that is not one of this model's (another length,
    // NaN) is recomputed rather than copied on.
    const known = await knownVectors(texts.map((t) => t.hash));
    const vectors = new Map<string, Float32Array>();
    for (const [hash, vector] of known) if (isVectorOf(dimension, vector)) vectors.set(hash, Float32Array.from(vector));
    const missing = texts.filter((t) => !vectors.has(t.hash));
    // An EmbeddingUnavailableError is a TransientError: a 503 (with its Retry-After) to the broker.
    const computed = missing.length === 0 ? [] : await embedder.embed(missing.map((t) => t.text));
    const wrong = computed.find((v) => !isVectorOf(dimension, v));
    if (wrong) throw new Error(`the embedding model returned a ${wrong.length}-dimensional vector (or non-finite values), EMBED_DIMENSION says ${dimension}`);
    missing.forEach((t, i) => vectors.set(t.hash, computed[i]!));
    return { vectors, computed: missing.length };
  };
}
