import assert from 'node:assert/strict';
import { dirname, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { directEnvReads, directEnvReadsIn, readProcessEnvs, schemaKeys } from './code-env.js';

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
