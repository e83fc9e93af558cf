/**
 * The large document of the bench's mixed run: Markdown with `sections` headings, each over one
 * paragraph of seeded pseudo-words, so that every section is a chunk of its own (shorter than
 * CHUNK_SIZE, and chunks never straddle a heading) and no two chunks are alike: identical ones
 * would be embedded once and make the document cheap. Pseudo-words fall apart into several
 * word pieces each, as names, codes and foreign words do, so a chunk costs the model more tokens
 * per character than prose. They come from a vocabulary of a few thousand, drawn unevenly as a
 * real document's words are: a flood of words never seen twice would instead measure index's
 * stemmer (~1.5 ms a chunk uncached) rather than the pipeline. 20 000 sections stay under the
 * default MAX_EXTRACTED_CHARS.
 */
import { seededRandom } from '../test/support/random.js';

const ONSETS = ['b', 'br', 'd', 'dr', 'f', 'g', 'gl', 'k', 'kr', 'l', 'm', 'n', 'p', 'pl', 'r', 's', 'st', 't', 'tr', 'v', 'z'];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ae', 'ou', 'y'];
const CODAS = ['', '', 'n', 'r', 'l', 's', 'x', 'nd', 'rk'];

export interface LargeDocumentOptions {
  /** Same seed, same document. */
  seed?: number;
  /** Paragraph length each section reaches (characters), well under CHUNK_SIZE with its heading. */
  paragraphChars?: number;
  /** Distinct words the document is written with. */
  vocabulary?: number;
}

export function largeMarkdown(sections: number, { seed = 20_000, paragraphChars = 360, vocabulary = 4_000 }: LargeDocumentOptions = {}): string {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]) => items[random.int(0, items.length - 1)]!;
  const words = Array.from({ length: vocabulary }, () => Array.from({ length: random.int(2, 4) }, () => pick(ONSETS) + pick(VOWELS) + pick(CODAS)).join(''));
  // Squaring a uniform draw favours the first words: a few frequent words, a long tail.
  const word = () => words[Math.floor(random.next() ** 2 * words.length)]!;
  // No title line: it would be a chunk of its own, and 20 000 sections must stay 20 000 chunks.
  const parts: string[] = [];
  for (let i = 0; i < sections; i++) {
    const paragraph: string[] = [];
    let length = 0;
    while (length < paragraphChars) {
      const next = word();
      paragraph.push(next);
      length += next.length + 1;
    }
    // The section number in the text too: even two equal draws make different chunks.
    parts.push(`## Part ${i + 1}: ${word()} ${word()}`, `${paragraph.join(' ')} (${i + 1}).`);
  }
  return `${parts.join('\n\n')}\n`;
}
