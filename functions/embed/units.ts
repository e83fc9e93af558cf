/**
 * What embed has to compute for one document version: its distinct texts (by content hash),
 * cut into units of work of a bounded size. Pure: the handler decides what to do with a unit.
 */
import type { Chunk } from '../../lib/events/schemas.js';

/** One text to embed: the first chunk of the document with this content hash. */
export interface UniqueText {
  readonly hash: string;
  readonly text: string;
}

/**
 * The document's texts without repeats, in order of first appearance. A boilerplate footer on
 * every page, or a file of one repeated line, is embedded once, not once per chunk: the hash is
 * the SHA-256 of the text (verified before this is called), so equal hashes are equal texts.
 */
export function uniqueTexts(chunks: readonly Pick<Chunk, 'hash' | 'text'>[]): UniqueText[] {
  const seen = new Set<string>();
  const unique: UniqueText[] = [];
  for (const { hash, text } of chunks) {
    if (seen.has(hash)) continue;
    seen.add(hash);
    unique.push({ hash, text });
  }
  return unique;
}

/** A document's distinct texts in units of at most `size`: unit `i` is texts [i × size, (i + 1) × size). */
export interface UnitPlan {
  readonly size: number;
  /** Units of the document (at least 1). */
  readonly count: number;
  readonly texts: readonly UniqueText[];
  unit(index: number): readonly UniqueText[];
}

/**
 * Cuts the distinct texts into units. The cut depends only on the texts and `size`, so every
 * delivery of the same version (a retry, the next unit) computes the same units and the unit
 * index in an event is enough to name one.
 */
export function planUnits(texts: readonly UniqueText[], size: number): UnitPlan {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`unit size must be an integer >= 1, got ${size}`);
  const count = Math.max(1, Math.ceil(texts.length / size));
  return {
    size,
    count,
    texts,
    unit(index) {
      if (!Number.isInteger(index) || index < 0 || index >= count) throw new RangeError(`unit ${index} is outside 0..${count - 1}`);
      return texts.slice(index * size, (index + 1) * size);
    },
  };
}
