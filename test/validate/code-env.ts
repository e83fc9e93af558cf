/**
 * What the code reads from the environment, found in the source itself so the manifests are
 * checked against the code as it is: the keys of lib/config.ts's schema (with or without a
 * default), `process.env.X`, `env.X`, `env['X']` and `read('X')`-style reads, followed through
 * relative imports from an entry file. Defaults come from `.env.example`, which documents every
 * variable with the value the code falls back to.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const READ_PATTERNS = [
  /process\.env\.([A-Z][A-Z0-9_]*)/g,
  /process\.env\[\s*['"]([A-Z][A-Z0-9_]*)['"]\s*\]/g,
  /\benv\.([A-Z][A-Z0-9_]*)\b/g,
  /\benv\[\s*['"]([A-Z][A-Z0-9_]*)['"]\s*\]/g,
  /\b(?:read|readInteger|readEnv|requireEnv|optionalEnv)\(\s*(?:[a-zA-Z_]+,\s*)?['"]([A-Z][A-Z0-9_]*)['"]/g,
];
const IMPORT_PATTERN = /(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;

/** A variable of lib/config.ts's schema and whether the schema supplies a value when it is unset. */
export interface SchemaKey {
  readonly name: string;
  readonly hasDefault: boolean;
  readonly optional: boolean;
}

/** Keys of `ConfigSchema = z.object({ ... })` in a config module, from its text. */
export function configSchemaKeys(text: string): SchemaKey[] {
  const body = /ConfigSchema\s*=\s*z\.object\(\{([\s\S]*?)\n\}\)/.exec(text)?.[1] ?? '';
  return [...body.matchAll(/^\s+([A-Z][A-Z0-9_]*):\s*(.+)$/gm)].map((m) => {
    const rule = m[2] ?? '';
    return {
      name: m[1] ?? '',
      // The file's own helpers (port(8181), positiveInt(1000)) take the default as argument.
      hasDefault: /\.default\(|^(?:port|positiveInt)\(/.test(rule),
      optional: /\.optional\(\)/.test(rule),
    };
  });
}

/** Variables read by `entry` and every module it imports relatively (tests excluded). */
export function envReadsFrom(codeRoot: string, entry: string): Set<string> {
  const names = new Set<string>();
  const seen = new Set<string>();
  const pending = [resolve(codeRoot, entry)];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (seen.has(file) || !existsSync(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const name of envReadsIn(text)) names.add(name);
    for (const m of text.matchAll(IMPORT_PATTERN)) {
      const target = resolve(dirname(file), (m[1] ?? '').replace(/\.js$/, '.ts'));
      if (target.endsWith('.ts')) pending.push(target);
    }
  }
  return names;
}

/** Variables read anywhere in the code (lib, functions, services, cli), tests excluded. */
export function envReadsEverywhere(codeRoot: string): Set<string> {
  const names = new Set<string>();
  for (const dir of ['lib', 'functions', 'services', 'cli']) {
    for (const file of walk(join(codeRoot, dir))) {
      if (file.endsWith('.ts') && !file.endsWith('.test.ts')) for (const name of envReadsIn(readFileSync(file, 'utf8'))) names.add(name);
    }
  }
  return names;
}

export function envReadsIn(text: string): string[] {
  const names = READ_PATTERNS.flatMap((p) => [...text.matchAll(p)].map((m) => m[1] ?? ''));
  if (text.includes('ConfigSchema')) names.push(...configSchemaKeys(text).map((k) => k.name));
  return names.filter((n) => n !== '');
}

/** `.env.example` as name → documented default (empty string = no default). */
export function readEnvExample(codeRoot: string): Map<string, string> {
  const file = join(codeRoot, '.env.example');
  const vars = new Map<string, string>();
  if (!existsSync(file)) return vars;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) vars.set(m[1] ?? '', m[2] ?? '');
  }
  return vars;
}

/** The entry file an image runs (same rule as the Dockerfile): functions/<n>/server.ts, else services/<n>/main.ts. */
export function entryFor(codeRoot: string, image: string): string {
  const fn = join('functions', image, 'server.ts');
  return existsSync(join(codeRoot, fn)) ? fn : join('services', image, 'main.ts');
}

function* walk(dir: string): Generator<string> {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else yield path;
  }
}
