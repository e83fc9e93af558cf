/**
 * What the code reads from the environment, taken from the config schemas themselves
 * (lib/config.ts `PROCESS_CONFIGS`): an image's variables are the keys of its process's schema,
 * with whether the schema supplies a value when one is unset. One guard keeps that complete:
 * no module outside lib/config may read `process.env.X` for an X that no schema declares.
 * Defaults come from `.env.example`, which documents every variable with the value the code
 * falls back to.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { z } from 'zod';

/** A variable of a config schema and whether the schema supplies a value when it is unset. */
export interface SchemaKey {
  readonly name: string;
  readonly hasDefault: boolean;
  readonly optional: boolean;
}

/** A process's variables and its own loader (the schema's cross-field rules included). */
export interface ProcessEnv {
  readonly keys: ReadonlyMap<string, SchemaKey>;
  readonly load: (env: Record<string, string>) => unknown;
}

/** The keys of a zod object schema, asking each field what it makes of "unset". */
export function schemaKeys(schema: z.ZodObject): SchemaKey[] {
  return Object.entries(schema.shape).map(([name, field]) => {
    const unset = (field as z.ZodType).safeParse(undefined);
    return { name, hasDefault: unset.success && unset.data !== undefined, optional: unset.success && unset.data === undefined };
  });
}

/** Every process's variables, from `<codeRoot>/lib/config.ts`; empty when there is none. */
export async function readProcessEnvs(codeRoot: string): Promise<Map<string, ProcessEnv>> {
  const file = join(codeRoot, 'lib', 'config.ts');
  if (!existsSync(file)) return new Map();
  const mod = (await import(pathToFileURL(file).href)) as { PROCESS_CONFIGS?: Record<string, { schema: z.ZodObject; load: ProcessEnv['load'] }> };
  return new Map(
    Object.entries(mod.PROCESS_CONFIGS ?? {}).map(([name, { schema, load }]) => [name, { keys: new Map(schemaKeys(schema).map((k) => [k.name, k])), load }]),
  );
}

/** `process.env.X` / `process.env['X']` reads (not writes) in a module's text. */
const DIRECT_READ = /process\.env(?:\.([A-Z][A-Z0-9_]*)\b|\[\s*['"]([A-Z][A-Z0-9_]*)['"]\s*\])(?!\s*(?:\?\?|\|\||&&)?=[^=])/g;

export function directEnvReadsIn(text: string): string[] {
  return [...text.matchAll(DIRECT_READ)].map((m) => m[1] ?? m[2] ?? '').filter((n) => n !== '');
}

/** Variables read straight from process.env (lib/config excepted, tests excluded), with the files reading each. */
export function directEnvReads(codeRoot: string): Map<string, string[]> {
  const reads = new Map<string, string[]>();
  for (const dir of ['lib', 'functions', 'services', 'local', 'cli']) {
    for (const file of walk(join(codeRoot, dir))) {
      const path = relative(codeRoot, file).split(sep).join('/');
      if (!file.endsWith('.ts') || file.endsWith('.test.ts') || path === 'lib/config.ts' || path.startsWith('lib/config/')) continue;
      for (const name of directEnvReadsIn(readFileSync(file, 'utf8'))) reads.set(name, [...(reads.get(name) ?? []), path]);
    }
  }
  return reads;
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
