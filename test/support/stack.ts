/**
 * Access to the real stack the integration suite runs against (started by test/run.sh from
 * test/stack.env): S3, the broker ingress, the API, and control of individual components.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { loadApiConfig } from '../../lib/config.js';
import { normaliseEtag } from '../../lib/documents/identity.js';
import { createS3Client } from '../../lib/storage/s3.js';
import { createApiClient } from '../../cli/api-client.js';
import { firstCredential } from '../../lib/http/basic-auth.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// The API's view: the pipeline's variables and the API's own (credentials, dead-letter limits).
export const config = loadApiConfig();
export const bucket = config.buckets[0]!;
export const s3 = createS3Client(config);
// With SLUICE_BASIC_AUTH set, the stack's API requires it: the suite sends the first pair, like the CLI.
export const api = createApiClient(process.env.SLUICE_API_URL ?? `http://127.0.0.1:${config.API_PORT}`, { credential: firstCredential(config.SLUICE_BASIC_AUTH) });

export interface CorpusDocument {
  key: string;
  probe: string;
}

export function corpus(): { dir: string; documents: CorpusDocument[] } {
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'test/corpus/manifest.json'), 'utf8')) as { documents: CorpusDocument[] };
  const dir = process.env.SLUICE_CORPUS_DIR ?? join(repoRoot, '.sluice/corpus');
  return { dir, documents: manifest.documents };
}

export async function putObject(key: string, body: Uint8Array | string): Promise<string> {
  const res = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  return normaliseEtag(res.ETag) ?? '';
}

/** Polls `check` until it returns a value (not undefined) or the deadline passes. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 120_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Resolves with the number of points once `key` is indexed at `version`. */
export function waitIndexed(key: string, version: string, timeoutMs = 120_000): Promise<number> {
  return waitFor(`${key}@${version} to be indexed`, async () => {
    const doc = await api.documentPoints(key, { version });
    return doc.points > 0 ? doc.points : undefined;
  }, timeoutMs);
}

const run = promisify(execFile);

/** start | stop | kill | restart a component of the local stack (stack/component.sh). */
export async function component(action: 'start' | 'stop' | 'kill' | 'restart', name: string): Promise<void> {
  await run('bash', [join(repoRoot, 'stack/component.sh'), action, name], { cwd: repoRoot, env: process.env });
}

/** {@link component} with `env` on top of the stack's settings (undefined: unset), for that component only. */
export async function componentWith(action: 'start' | 'restart', name: string, env: Record<string, string | undefined>): Promise<void> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  };
  apply(env);
  try {
    await component(action, name);
  } finally {
    apply(saved);
  }
}
