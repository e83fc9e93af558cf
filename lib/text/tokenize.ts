/**
 * The one tokenizer of lexical (sparse) retrieval, shared by indexing and querying: a term
 * that the index and the query spell differently can never match, so both call this.
 *
 * Words are runs of letters, marks, digits and `_`, joined across `.`, `'` or `’` between two
 * of them and `,` between two digits: Unicode's word-boundary rules (UAX #29) for spaced
 * scripts, written as one linear regex because `Intl.Segmenter` costs ~2 ms a chunk. Scripts
 * written without spaces (Han, Kana, Thai, Lao, Khmer, Myanmar) go to `Intl.Segmenter` (ICU's
 * dictionaries), run by run, so a word's terms never depend on the text around it. Stems come
 * from the Snowball stemmers. What we add is only what identifiers in technical documents need:
 * - `pg_waldump`, `fs.readFile`, `node.js` stay one term (the exact identifier) and also give
 *   their parts (`pg`, `waldump`; `fs`, `read`, `file`), so either spelling of a query finds them;
 * - camelCase is split into its words (`readFile` → `read`, `file`), the whole kept as well;
 * - a TeX/LaTeX command keeps its backslash (`\chapter`) besides the plain word;
 * - numbers and versions (`3.11`, `v20.1.0`, `404`) are kept verbatim, never stemmed.
 * Deterministic: the same text gives the same terms in every process and version of Node that
 * ships the same ICU; no state, no corpus statistics (those live in Qdrant's `idf` modifier).
 */
import snowball from 'snowball-stemmers';

export interface TokenizerOptions {
  /** Longer terms (base64 blobs, hashes, run-on URLs) say nothing a shorter one would not. */
  maxTermLength?: number;
}

const DEFAULT_MAX_TERM_LENGTH = 64;

const segmenter = new Intl.Segmenter('und', { granularity: 'word' });
// Each segment V8's Intl.Segmenter yields copies the whole input string (measured: one 100 KB
// document exhausted a 4 GB heap), so it only ever sees runs of at most this many characters.
const MAX_UNSPACED_RUN = 256;
const UNSPACED = String.raw`\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}ー`;
const WORD_CHAR = String.raw`[[\p{L}\p{M}\p{N}_]--[${UNSPACED}]]`;
// A run of unspaced script, or a spaced word with its inner joiners.
const WORDS = new RegExp(
  String.raw`[${UNSPACED}]{1,${MAX_UNSPACED_RUN}}|${WORD_CHAR}+(?:(?:[.'’]${WORD_CHAR}+)|(?:(?<=\p{N}),(?=\p{N})\p{N}+))*`,
  'gv',
);
const englishStemmer = snowball.newStemmer('english');
const russianStemmer = snowball.newStemmer('russian');

const LATIN_WORD = /^[a-z\u00c0-\u024f]+$/u;
const CYRILLIC_WORD = /^[\u0400-\u04ff]+$/u;
const HAS_LETTER = /\p{L}/u;
const JOINERS = /[._]/;
const CAMEL_BOUNDARY = /(?<=\p{Ll})(?=\p{Lu})|(?<=\p{Lu})(?=\p{Lu}\p{Ll})/u;

/** The terms of `text`, in order, repeated as often as they occur (term frequency matters). */
export function tokenize(text: string, options: TokenizerOptions = {}): string[] {
  const maxLength = options.maxTermLength ?? DEFAULT_MAX_TERM_LENGTH;
  const normalized = text.normalize('NFKC');
  const terms: string[] = [];
  const emit = (term: string) => {
    if (term.length > 0 && term.length <= maxLength) terms.push(term);
  };
  for (const { segment, index } of words(normalized)) {
    const lower = segment.toLowerCase();
    if (!HAS_LETTER.test(lower)) {
      emit(lower); // a number or version: verbatim
      continue;
    }
    if (index > 0 && normalized[index - 1] === '\\') emit(`\\${lower}`);
    const parts = segment.split(JOINERS).filter((part) => part.length > 0);
    const words = parts.flatMap((part) => part.split(CAMEL_BOUNDARY));
    if (words.length > 1) {
      emit(lower); // the identifier as written, unstemmed: an exact match outranks its parts
      for (const word of words) emit(stem(word.toLowerCase()));
    } else {
      emit(stem(lower));
    }
  }
  return terms;
}

function* words(text: string): Generator<{ segment: string; index: number }> {
  for (const match of text.matchAll(WORDS)) {
    const first = match[0].codePointAt(0)!;
    if (!UNSPACED_CHAR.test(String.fromCodePoint(first))) {
      yield { segment: match[0], index: match.index };
      continue;
    }
    for (const piece of segmenter.segment(match[0])) {
      if (piece.isWordLike) yield { segment: piece.segment, index: match.index + piece.index };
    }
  }
}

const UNSPACED_CHAR = new RegExp(`[${UNSPACED}]`, 'v');

/** Snowball stem for Latin (English rules) and Cyrillic (Russian) words; others unchanged. */
function stem(word: string): string {
  const known = stems.get(word);
  if (known !== undefined) return known;
  const stemmed = LATIN_WORD.test(word) ? englishStemmer.stem(word) : CYRILLIC_WORD.test(word) ? russianStemmer.stem(word) : word;
  // The JS Snowball port costs ~0.1 ms a word, and a corpus repeats its words: remember them,
  // boundedly (a flood of distinct words only costs the stemming again).
  if (stems.size >= STEM_CACHE_SIZE) stems.clear();
  stems.set(word, stemmed);
  return stemmed;
}

const STEM_CACHE_SIZE = 100_000;
const stems = new Map<string, string>();
