import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { directEnvReads, directEnvReadsIn, readEnvExample, readProcessEnvs, schemaKeys } from './code-env.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

test('schema keys say, from the schema itself, whether unset is filled in', () => {
  const keys = schemaKeys(z.object({ A: z.string().default('x'), B: z.string().optional(), C: z.string(), D: z.coerce.number().int().default(3) }));
  assert.deepEqual(keys, [
    { name: 'A', hasDefault: true, optional: false },
    { name: 'B', hasDefault: false, optional: true },
    { name: 'C', hasDefault: false, optional: false },
    { name: 'D', hasDefault: true, optional: false },
  ]);
});

test('direct reads of process.env are found, writes are not', () => {
  const text = [
    "const a = process.env.LOG_LEVEL ?? 'info';",
    "const b = process.env['SLUICE_DATA_DIR'];",
    "process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';",
    "process.env.FOO = 'x';",
    'if (process.env.BAR === undefined) {}',
    'spawn(cmd, { env: process.env });',
  ].join('\n');
  assert.deepEqual(directEnvReadsIn(text), ['LOG_LEVEL', 'SLUICE_DATA_DIR', 'BAR']);
});

test('every process the images run has a schema, and every variable the code reads directly is in one', async () => {
  const processes = await readProcessEnvs(repo);
  for (const name of ['split', 'embed', 'index', 'api', 'seaweedfs-source', 'broker', 'cli']) assert.ok(processes.has(name), name);
  assert.ok(processes.get('embed')?.keys.has('SLUICE_MODEL_DIR'), 'embed loads the model');
  assert.ok(!processes.get('split')?.keys.has('SLUICE_MODEL_DIR'), 'split does not');
  assert.ok(processes.get('seaweedfs-source')?.keys.has('K_SINK'));
  const declared = new Set([...processes.values()].flatMap((p) => [...p.keys.keys()]));
  for (const [name, files] of directEnvReads(repo)) assert.ok(declared.has(name), `${name} (read in ${files.join(', ')}) is in no schema`);
});

test('.env.example documents what the schemas say: each variable is declared, and its value is the schema\'s default where there is one', async () => {
  const processes = await readProcessEnvs(repo);
  const example = readEnvExample(repo);
  assert.ok(example.size > 20, '.env.example was read');
  // Variables of the one-machine parts that are not TypeScript: the stack scripts and the Qdrant gateway.
  const scripts = ['stack', 'local/qdrant-edge-gateway']
    .flatMap((dir) => readdirSync(join(repo, dir)).filter((f) => /\.(sh|py)$/.test(f)).map((f) => readFileSync(join(repo, dir, f), 'utf8')))
    .join('\n');
  const { PROCESS_CONFIGS } = (await import(pathToFileURL(join(repo, 'lib', 'config.ts')).href)) as { PROCESS_CONFIGS: Record<string, { schema: z.ZodObject }> };
  const problems: string[] = [];
  for (const [name, value] of example) {
    const readers = [...processes].filter(([, p]) => p.keys.has(name)).map(([process]) => process);
    if (readers.length === 0) {
      if (!new RegExp(`\\b${name}\\b`).test(scripts)) problems.push(`${name}: no config schema declares it and no stack script reads it`);
      continue;
    }
    for (const process of readers) {
      const unset = (PROCESS_CONFIGS[process]!.schema.shape[name] as z.ZodType).safeParse(undefined);
      const fallback = unset.success && unset.data !== undefined ? String(unset.data) : undefined;
      if (fallback !== undefined && fallback !== value) problems.push(`${name}=${value}, but ${process} falls back to ${fallback}`);
    }
  }
  assert.deepEqual(problems, []);
});
