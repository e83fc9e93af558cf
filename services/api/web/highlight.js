// Query-term highlighting for search excerpts, as data: the excerpt is cut into segments, each
// marked or not, and the page turns each segment into a text node (inside <mark> or not). The
// text is never parsed as HTML, so a hit containing markup stays text: escaping is by
// construction, and highlighting can only ever wrap characters that were already there.

/** Words too common to be worth marking. */
const STOPWORDS = new Set(
  'a an and are as at be by can do does for from had has have how i in is it its of on or that the their there these this to was were what when where which who whom why will with you your'.split(' '),
);

const WORD = /[\p{L}\p{N}]+/gu;

/** The words of a query worth marking, lowercased, each once, longest first. */
export function queryTerms(query) {
  const terms = new Set();
  for (const [word] of String(query).toLowerCase().matchAll(WORD)) {
    if (word.length < 2 || STOPWORDS.has(word)) continue;
    terms.add(root(word));
  }
  return [...terms].sort((a, b) => b.length - a.length);
}

/** A crude stem, so `wicks` marks `wick` and `storms` marks `storm`: a word starting with it matches. */
function root(word) {
  for (const suffix of ['ing', 'es', 'ed', 'ly', 's']) {
    if (word.endsWith(suffix) && word.length - suffix.length >= 3) return word.slice(0, -suffix.length);
  }
  return word;
}

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * `text` as `[{ text, mark }]`: every word that starts with one of `terms` is marked. Joining the
 * segments' text gives `text` back exactly.
 */
export function highlightSegments(text, terms) {
  const source = String(text);
  if (terms.length === 0 || source === '') return source === '' ? [] : [{ text: source, mark: false }];
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])(?:${terms.map(escapeRegExp).join('|')})[\\p{L}\\p{N}]*`, 'giu');
  const segments = [];
  let at = 0;
  for (const match of source.matchAll(pattern)) {
    if (match.index > at) segments.push({ text: source.slice(at, match.index), mark: false });
    segments.push({ text: match[0], mark: true });
    at = match.index + match[0].length;
  }
  if (at < source.length) segments.push({ text: source.slice(at), mark: false });
  return segments;
}

/**
 * An excerpt of at most `max` characters, centred on the first marked term when the text is
 * longer, with whitespace runs folded.
 */
export function excerpt(text, terms, max = 320) {
  const folded = String(text).replace(/\s+/g, ' ').trim();
  if (folded.length <= max) return folded;
  const segments = highlightSegments(folded, terms);
  const first = segments.findIndex((s) => s.mark);
  let start = 0;
  if (first > 0) {
    const before = segments.slice(0, first).reduce((n, s) => n + s.text.length, 0);
    start = Math.max(0, Math.min(before - Math.floor(max / 3), folded.length - max));
  }
  const cut = folded.slice(start, start + max);
  return (start > 0 ? '…' : '') + cut + (start + max < folded.length ? '…' : '');
}
