/**
 * JSON and JSON Lines as records of path-labelled lines (`[3].address.city: Lyon`), not raw
 * braces: a top-level array is one record an element, a top-level object one section a key
 * (its arrays again one record an element, the key as heading), JSON Lines one record a line.
 * The chunker packs whole records (separated by a blank line) and cuts only a record longer
 * than a chunk. Arrays of scalars read as one line (`tags: a, b, c`). Nesting is bounded by
 * MAX_NESTING_DEPTH, walked without recursion.
 */
import { ExtractError } from './errors.js';
import type { Section } from './section.js';
import { TextBudget } from './text-budget.js';

export interface JsonOptions {
  maxNestingDepth: number;
  maxExtractedChars: number;
}

const RECORDS = { separator: '\n\n' };

export function extractJson(text: string, limits: JsonOptions): Section[] {
  // One budget for the document: path labels make the flattening longer than the JSON.
  const options = { ...limits, budget: new TextBudget(limits.maxExtractedChars) };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    // Content that looked like JSON but is JSON Lines after all (one object a line).
    const lines = tryJsonLines(text);
    if (lines) return recordsSection(lines.map((record, i) => [`[${i}]`, record]), options);
    throw new ExtractError('corrupt', `not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (Array.isArray(value)) return recordsSection(value.map((record, i) => [`[${i}]`, record]), options);
  if (value === null || typeof value !== 'object') return recordsSection([['', value]], options);
  const sections: Section[] = [];
  const scalars: Array<[string, unknown]> = [];
  for (const [key, member] of Object.entries(value)) {
    if (Array.isArray(member) && member.some((item) => item !== null && typeof item === 'object')) {
      sections.push(...recordsSection(member.map((record, i) => [`${key}[${i}]`, record]), options, key));
    } else if (member !== null && typeof member === 'object') {
      sections.push(...recordsSection([[key, member]], options, key));
    } else scalars.push([key, member]);
  }
  if (scalars.length) sections.unshift(...recordsSection([['', Object.fromEntries(scalars)]], options));
  return sections;
}

export function extractJsonLines(text: string, limits: JsonOptions): Section[] {
  const options = { ...limits, budget: new TextBudget(limits.maxExtractedChars) };
  const records: Array<[string, unknown]> = [];
  for (const [i, line] of text.split(/\r?\n/).entries()) {
    if (!line.trim()) continue;
    try {
      records.push([`[${records.length}]`, JSON.parse(line)]);
    } catch (err) {
      throw new ExtractError('corrupt', `line ${i + 1} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return recordsSection(records, options);
}

function tryJsonLines(text: string): unknown[] | undefined {
  const records: unknown[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    try {
      records.push(JSON.parse(line));
    } catch {
      return undefined;
    }
  }
  return records.length > 1 ? records : undefined;
}

function recordsSection(records: Array<[string, unknown]>, options: JsonOptions & { budget: TextBudget }, heading?: string): Section[] {
  const { budget } = options;
  const text = records
    .map(([label, record]) => flatten(label, record, options.maxNestingDepth, budget))
    .filter(Boolean)
    .join(RECORDS.separator);
  return text ? [{ text, ...(heading ? { heading } : {}), records: RECORDS }] : [];
}

const isScalar = (value: unknown) => value === null || typeof value !== 'object';
const scalarText = (value: unknown) => (typeof value === 'string' ? value.replace(/\s*\n\s*/g, ' ') : JSON.stringify(value));
const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/** `path: value` lines of a value, depth-first in document order, iteratively. */
function flatten(label: string, root: unknown, maxDepth: number, budget: TextBudget): string {
  const lines: string[] = [];
  const push = (line: string) => {
    budget.charge(line.length + 1);
    lines.push(line);
  };
  const stack: Array<[string, unknown, number]> = [[label, root, 0]];
  while (stack.length) {
    const [path, value, depth] = stack.pop()!;
    if (depth > maxDepth) throw new ExtractError('too_deep', `JSON values are nested more than ${maxDepth} deep (MAX_NESTING_DEPTH)`);
    if (isScalar(value)) {
      const text = scalarText(value);
      if (text !== '' && text !== '""') push(path ? `${path}: ${text}` : text);
      continue;
    }
    if (Array.isArray(value)) {
      if (value.every(isScalar)) {
        if (value.length) push(`${path || '[]'}: ${value.map(scalarText).join(', ')}`);
        continue;
      }
      for (let i = value.length - 1; i >= 0; i--) stack.push([`${path}[${i}]`, value[i], depth + 1]);
      continue;
    }
    const entries = Object.entries(value as Record<string, unknown>);
    for (let i = entries.length - 1; i >= 0; i--) stack.push([join(path, entries[i]![0]), entries[i]![1], depth + 1]);
  }
  return lines.join('\n');
}
