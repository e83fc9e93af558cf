import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readEnvExample, readProcessEnvs } from './code-env.js';
import { currentBlock, REFERENCE_FILE, renderConfigReference } from './config-reference.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const reference = readFileSync(join(repo, REFERENCE_FILE), 'utf8');

test('docs/reference.md lists every variable as the schemas declare it (regenerate with config-reference.ts --write)', async () => {
  assert.equal(currentBlock(reference), await renderConfigReference(repo));
});

test('the hand-written configuration tables name only variables a schema or the stack scripts (.env.example) know', async () => {
  const section = reference.slice(reference.indexOf('## Configuration'), reference.indexOf('### Every variable'));
  const known = new Set([...[...(await readProcessEnvs(repo)).values()].flatMap((p) => [...p.keys.keys()]), ...readEnvExample(repo).keys()]);
  const named = [...section.matchAll(/`([A-Z][A-Z0-9_]{2,})`/g)].map((m) => m[1] ?? '');
  assert.ok(named.length > 20, 'the tables were found');
  assert.deepEqual(named.filter((n) => !known.has(n)), []);
});
