/** The benchmark's "small edit" of a document (pure, see edit.test.ts). */

const WORD = / the /g;
const REPLACEMENT = ' one ';

/**
 * Replaces the middle occurrence of the word "the" with "one": a real change of meaning in one
 * place, of the same length, so the splitter's later chunk boundaries do not move and only the
 * chunk (or the two overlapping chunks) around it change. Undefined when the text has no "the".
 */
export function editOneWord(text: string): string | undefined {
  const positions = [...text.matchAll(WORD)].map((m) => m.index);
  if (positions.length === 0) return undefined;
  const at = positions[Math.floor(positions.length / 2)]!;
  return text.slice(0, at) + REPLACEMENT + text.slice(at + REPLACEMENT.length);
}
