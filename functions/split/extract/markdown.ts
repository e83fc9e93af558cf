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
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    const heading = inFence ? null : /^(#{1,6})\s+(.+?)\s*#*\s*$/.exec(line);
    if (heading) {
      flush();
      const level = heading[1]!.length;
      path.splice(level - 1, path.length, heading[2]!.trim());
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
