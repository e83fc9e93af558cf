import { seededRandom } from './random.js';
/** Labelled queries for retrieval quality: distinctive sentences taken verbatim from chunks. */

const sentenceSegmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

export interface ChunkText {
  key: string;
  text: string;
}

/**
 * Up to `perDocument` sentences of each document that read like a sentence (6 to 40 words,
 * mostly letters) and occur in no other document, chosen by a seeded shuffle so that runs
 * compare the same queries.
 */
export function exactSentenceQueries(chunks: readonly ChunkText[], perDocument: number, seed = 12): { query: string; key: string }[] {
  const byKey = new Map<string, Set<string>>();
  for (const chunk of chunks) {
    const set = byKey.get(chunk.key) ?? new Set<string>();
    for (const { segment } of sentenceSegmenter.segment(chunk.text)) {
      const sentence = segment.replace(/\s+/g, ' ').trim();
      const words = sentence.split(' ').length;
      const letters = (sentence.match(/\p{L}/gu) ?? []).length;
      if (words >= 6 && words <= 40 && letters / sentence.length > 0.6) set.add(sentence);
    }
    byKey.set(chunk.key, set);
  }
  const owners = new Map<string, number>();
  for (const set of byKey.values()) for (const s of set) owners.set(s, (owners.get(s) ?? 0) + 1);
  const random = seededRandom(seed);
  const queries: { query: string; key: string }[] = [];
  for (const [key, set] of [...byKey].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const unique = random.shuffle([...set].filter((s) => owners.get(s) === 1).sort());
    for (const query of unique.slice(0, perDocument)) queries.push({ query, key });
  }
  return queries;
}

