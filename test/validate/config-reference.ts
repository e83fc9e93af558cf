/**
 * The configuration reference generated from the config schemas (lib/config.ts
 * PROCESS_CONFIGS): every variable, its default, and the processes that read it, kept in
 * docs/reference.md between two markers. `make validate` fails when the block and the schemas
 * disagree; `node --import tsx test/validate/config-reference.ts --write` rewrites the block.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { z } from 'zod';
import { readProcessEnvs } from './code-env.js';

export const REFERENCE_FILE = join('docs', 'reference.md');
export const BEGIN = '<!-- generated from lib/config (test/validate/config-reference.ts): do not edit by hand -->';
export const END = '<!-- end of generated configuration -->';

/** The process names as the table shows them, in pipeline order. */
const ORDER = ['split', 'embed', 'index', 'api', 'cli', 'seaweedfs-source', 'broker', 'oidc-issuer'];

function formatDefault(value: unknown): string {
  if (value === undefined) return '–';
  if (value === '') return '(empty)';
  return `\`${String(value)}\``;
}

/** The first sentence of each schema field's TSDoc comment in lib/config/*.ts, by variable. */
export function fieldDescriptions(codeRoot: string): Map<string, string> {
  const out = new Map<string, string>();
  const dir = join(codeRoot, 'lib', 'config');
  for (const file of existsSync(dir) ? readdirSync(dir) : []) {
    if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
    const text = readFileSync(join(dir, file), 'utf8');
    for (const m of text.matchAll(/\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*\n\s*([A-Z][A-Z0-9_]*):/g)) {
      const prose = (m[1] ?? '').replace(/^\s*\*\s?/gm, '').replace(/\s+/g, ' ').trim();
      const first = /^(.+?\.)(\s|$)/.exec(prose)?.[1] ?? prose;
      if (!out.has(m[2] ?? '')) out.set(m[2] ?? '', first.replace(/\|/g, '\\|').replace(/\{@link (\w+)\}/g, '`$1`'));
    }
  }
  return out;
}

/** The generated table, as markdown. */
export async function renderConfigReference(codeRoot: string): Promise<string> {
  const processes = await readProcessEnvs(codeRoot);
  const mod = (await import(pathToFileURL(join(codeRoot, 'lib', 'config.ts')).href)) as { PROCESS_CONFIGS: Record<string, { schema: z.ZodObject }> };
  const descriptions = fieldDescriptions(codeRoot);
  const rows = new Map<string, Array<{ reader: string; default: string }>>();
  const names = [...processes.keys()].sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b));
  for (const name of names) {
    for (const [key, field] of Object.entries(mod.PROCESS_CONFIGS[name]!.schema.shape)) {
      const unset = (field as z.ZodType).safeParse(undefined);
      rows.set(key, [...(rows.get(key) ?? []), { reader: name, default: formatDefault(unset.success ? unset.data : undefined) }]);
    }
  }
  const lines = ['| variable | default | read by | |', '|---|---|---|---|'];
  for (const [key, readers] of [...rows].sort(([a], [b]) => a.localeCompare(b))) {
    // One default, or the most common one and the processes that differ.
    const groups = new Map<string, string[]>();
    for (const r of readers) groups.set(r.default, [...(groups.get(r.default) ?? []), r.reader]);
    const [main, ...others] = [...groups].sort((a, b) => b[1].length - a[1].length);
    const shown = [main![0], ...others.map(([d, who]) => `(${who.join(', ')}: ${d})`)].join(' ');
    const by = readers.length === names.length ? 'every process' : readers.map((r) => r.reader).join(', ');
    lines.push(`| \`${key}\` | ${shown} | ${by} | ${descriptions.get(key) ?? ''} |`);
  }
  return lines.join('\n');
}

/** The block as it stands in the reference, or undefined without the markers. */
export function currentBlock(text: string): string | undefined {
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (start < 0 || end < start) return undefined;
  return text.slice(start + BEGIN.length, end).trim();
}

export function withBlock(text: string, table: string): string {
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${REFERENCE_FILE} lacks the markers ${BEGIN} … ${END}`);
  return `${text.slice(0, start + BEGIN.length)}\n${table}\n${text.slice(end)}`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  const file = join(root, REFERENCE_FILE);
  const table = await renderConfigReference(root);
  if (process.argv.includes('--write')) writeFileSync(file, withBlock(readFileSync(file, 'utf8'), table));
  else process.stdout.write(`${table}\n`);
}
