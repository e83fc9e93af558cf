/** Markdown: one section per heading, carrying the heading path ("Guide › Install"). */
import type { Section } from './section.js';

export function extractMarkdown(source: string): Section[] {
  const sections: Section[] = [];
  const path: string[] = [];
  let lines: string[] = [];
  let inFence = false;

  const flush = () => {
    const text = lines.join('\n').trim();
    if (text) sections.push(path.length ? { text, heading: path.join(' › ') } : { text });
    lines = [];
  };

  for (const line of source.split(/\r?\n/)) {
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence; // one anchored start, no nested repeats: linear
    const heading = inFence ? undefined : atxHeading(line);
    if (heading) {
      flush();
      path.splice(heading.level - 1, path.length, heading.title);
      // A skipped level (# then ###) leaves holes; drop them so the path reads cleanly.
      for (let i = path.length - 1; i >= 0; i--) if (path[i] === undefined) path.splice(i, 1);
      lines.push(line);
      continue;
    }
    lines.push(line);
  }
  flush();
  return sections;
}

const isSpace = (ch: string | undefined) => ch !== undefined && ch.trim() === '';

/**
 * `#`–`######`, whitespace, a title, optionally closing `#`s: read by walking the line once.
 * (The regex this replaces, /^(#{1,6})\s+(.+?)\s*#*\s*$/, backtracked cubically on a heading
 * followed by thousands of spaces and a stray character.)
 */
export function atxHeading(line: string): { level: number; title: string } | undefined {
  let level = 0;
  while (level < line.length && line[level] === '#') level++;
  if (level < 1 || level > 6 || !isSpace(line[level])) return undefined;
  let end = line.length;
  while (end > level && isSpace(line[end - 1])) end--;
  // A closing run of #s, when there is one, goes (with the whitespace before it).
  let hashes = end;
  while (hashes > level && line[hashes - 1] === '#') hashes--;
  if (hashes < end && isSpace(line[hashes - 1])) end = hashes;
  const title = line.slice(level, end).trim();
  return title ? { level, title } : undefined;
}
