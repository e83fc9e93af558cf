/**
 * Text → a sparse vector for Qdrant's `idf` modifier: BM25's term-frequency part per term,
 * indexed by a 32-bit hash of the term. Qdrant multiplies each weight by the term's inverse
 * document frequency over the collection at query time, so a stored vector never needs
 * recomputing when the corpus grows, and the query side sends weight 1 per term.
 */
import { tokenize } from './tokenize.js';

export interface SparseVector {
  indices: number[];
  values: number[];
}

export interface Bm25Options {
  /** Term-frequency saturation. */
  k1?: number;
  /** Length normalisation. */
  b?: number;
  /**
   * Average document length in terms. A fixed figure (a 1000-character chunk gives ~200 terms)
   * rather than a corpus statistic: a measured average would change every stored vector.
   */
  averageLength?: number;
}

const DEFAULTS = { k1: 1.2, b: 0.75, averageLength: 200 } as const;

/** The sparse vector stored with a chunk: BM25 term-frequency weights. */
export function documentSparseVector(text: string, options: Bm25Options = {}): SparseVector {
  const { k1, b, averageLength } = { ...DEFAULTS, ...options };
  const terms = tokenize(text);
  const frequencies = countByIndex(terms);
  const lengthNorm = 1 - b + (b * terms.length) / averageLength;
  return toSparse(frequencies, (tf) => (tf * (k1 + 1)) / (tf + k1 * lengthNorm));
}

/** The sparse vector of a query: each distinct term once, weight 1 (idf comes from Qdrant). */
export function querySparseVector(text: string): SparseVector {
  return toSparse(countByIndex(tokenize(text)), () => 1);
}

/** FNV-1a over the term's UTF-8 bytes: a stable u32 term id, no vocabulary to store. */
export function termIndex(term: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(term)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function countByIndex(terms: readonly string[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const term of terms) {
    const index = termIndex(term);
    counts.set(index, (counts.get(index) ?? 0) + 1);
  }
  return counts;
}

function toSparse(frequencies: Map<number, number>, weight: (tf: number) => number): SparseVector {
  // Sorted indices: Qdrant sorts them anyway, and sorted vectors compare equal in tests.
  const indices = [...frequencies.keys()].sort((x, y) => x - y);
  return { indices, values: indices.map((index) => weight(frequencies.get(index) ?? 0)) };
}

/**
 * The sparse vector of a stored chunk: its heading path and text, so that a query naming the
 * section (`json — JSON encoder › Basic Usage`) meets the chunks under it. Index and the
 * upgrade of an old collection both build it from these two payload fields only.
 */
export function chunkSparseVector(chunk: { text: string; heading?: string | undefined }): SparseVector {
  return documentSparseVector(chunk.heading ? `${chunk.heading}\n${chunk.text}` : chunk.text);
}
