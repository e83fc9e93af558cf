/**
 * An object's user metadata and tags through the real stack: uploaded with them, every point
 * carries them under `meta`; `sluice search --filter` narrows to them; changing only the
 * metadata (CopyObject onto itself with MetadataDirective REPLACE: same bytes, same ETag) or
 * only the tags re-writes the payloads of the same points without a model call.
 *
 * Needs test/stack.env's SLUICE_FILTER_FIELDS=owner,team and SLUICE_TENANT_FIELD=tenant.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CopyObjectCommand, HeadObjectCommand, PutObjectCommand, PutObjectTaggingCommand } from '@aws-sdk/client-s3';
import { normaliseEtag } from '../../lib/documents/identity.js';
import type { Hit } from '../../cli/api-client.js';
import { modelEmbeddings } from '../support/metrics.js';
import { pointsOfKeys } from '../support/qdrant.js';
import { api, bucket, config, repoRoot, s3, waitFor, waitIndexed } from '../support/stack.js';

const prefix = `metadata-${Date.now().toString(36)}/`;
const handbook = `${prefix}handbook.md`;
const other = `${prefix}other.md`;
const text = (topic: string) =>
  `# ${topic}\n\n` + Array.from({ length: 5 }, (_, i) => `## Part ${i}\nThe ${topic.toLowerCase()} rota rotates every week; part ${i} says who covers the night shift at the lighthouse.`).join('\n\n');

async function put(key: string, body: string, metadata: Record<string, string>, tagging?: string): Promise<string> {
  const res = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'text/markdown', Metadata: metadata, ...(tagging ? { Tagging: tagging } : {}) }));
  return normaliseEtag(res.ETag) ?? '';
}

/** `sluice search --filter ... --json`, as a user runs it. */
async function cliSearch(query: string, filters: Record<string, string>): Promise<Hit[]> {
  const args = ['bin/sluice.js', 'search', query, '-k', '20', '--json', ...Object.entries(filters).flatMap(([name, value]) => ['--filter', `${name}=${value}`])];
  const { stdout } = await promisify(execFile)('node', args, { cwd: repoRoot, env: process.env });
  return JSON.parse(stdout) as Hit[];
}

const keysOf = (hits: readonly Hit[]) => [...new Set(hits.map((h) => h.key))].filter((k) => k.startsWith(prefix)).sort();

test('the stack is configured for this test', () => {
  assert.deepEqual([...config.filterFields].sort(), ['owner', 'team', 'tenant'], 'SLUICE_FILTER_FIELDS=owner,team and SLUICE_TENANT_FIELD=tenant (test/stack.env)');
});

test('metadata and tags in every payload, --filter narrows, a metadata-only change re-writes payloads without the model', async () => {
  const v1 = await put(handbook, text('Handbook'), { owner: 'alice', team: 'sre', 'Cost-Center': 'R&D 42' }, 'project=apollo');
  const v2 = await put(other, text('Handbook'), { owner: 'bob', team: 'sre' });
  await waitIndexed(handbook, v1);
  await waitIndexed(other, v2);

  // Every point of the document carries the normalised metadata and the tags.
  const points = (await pointsOfKeys([handbook])).filter((p) => p.payload.version === v1);
  assert.ok(points.length > 1);
  for (const p of points) assert.deepEqual(p.payload.meta, { cost_center: 'R&D 42', owner: 'alice', project: 'apollo', team: 'sre' });
  const ids = points.map((p) => p.id).sort();

  // Both documents match the question; the filter decides.
  assert.deepEqual(keysOf(await cliSearch('who covers the night shift at the lighthouse', { team: 'sre' })), [handbook, other]);
  assert.deepEqual(keysOf(await cliSearch('who covers the night shift at the lighthouse', { owner: 'alice' })), [handbook]);
  assert.deepEqual(keysOf(await cliSearch('who covers the night shift at the lighthouse', { owner: 'bob', team: 'sre' })), [other]);
  assert.deepEqual(keysOf(await cliSearch('who covers the night shift at the lighthouse', { owner: 'nobody' })), []);
  for (const mode of ['dense', 'sparse', 'hybrid']) {
    const { hits } = await api.search('night shift at the lighthouse', 20, undefined, mode, { owner: 'alice' });
    assert.deepEqual(keysOf(hits), [handbook], mode);
  }
  // A field that is not filterable is refused with the reason, not ignored.
  await assert.rejects(cliSearch('lighthouse', { project: 'apollo' }), /project is not a filterable field/);

  // Same bytes, new metadata: S3 keeps the ETag; the source announces it; split sees the index
  // holds other metadata; embed finds every vector by chunk hash; index re-writes the payloads.
  const modelBefore = await modelEmbeddings();
  await s3.send(
    new CopyObjectCommand({
      Bucket: bucket,
      Key: handbook,
      CopySource: `${bucket}/${handbook.split('/').map(encodeURIComponent).join('/')}`,
      MetadataDirective: 'REPLACE',
      ContentType: 'text/markdown',
      Metadata: { owner: 'carol', team: 'sre' },
    }),
  );
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: handbook }));
  assert.equal(normaliseEtag(head.ETag), v1, 'a metadata-only copy keeps the ETag');
  await waitFor(
    'the payloads to hold the new owner',
    async () => {
      const now = await pointsOfKeys([handbook]);
      return now.length === points.length && now.every((p) => p.payload.meta?.owner === 'carol') ? now : undefined;
    },
    180_000,
    500,
  );
  const after = await pointsOfKeys([handbook]);
  assert.deepEqual(after.map((p) => p.id).sort(), ids, 'the same points, re-written in place');
  for (const p of after) assert.deepEqual(p.payload.meta, { owner: 'carol', project: 'apollo', team: 'sre' }, 'the tags stay, the replaced metadata goes');
  assert.equal(await modelEmbeddings(), modelBefore, 'a metadata-only change must not call the model');
  assert.deepEqual(keysOf(await cliSearch('who covers the night shift at the lighthouse', { owner: 'carol' })), [handbook]);
  assert.deepEqual(keysOf(await cliSearch('who covers the night shift at the lighthouse', { owner: 'alice' })), [], 'the old value is gone');
  const record = await waitFor('status indexed', async () => {
    const r = await api.status(handbook).catch(() => undefined);
    return r?.status === 'indexed' && r.version === v1 ? r : undefined;
  });
  assert.equal(record.chunk_count, points.length);

  // Tags alone count as metadata too.
  await s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: handbook, Tagging: { TagSet: [{ Key: 'project', Value: 'gemini' }] } }));
  await waitFor('the payloads to hold the new tag', async () => ((await pointsOfKeys([handbook])).every((p) => p.payload.meta?.project === 'gemini') ? true : undefined), 180_000, 500);
  assert.equal(await modelEmbeddings(), modelBefore, 'a tag change must not call the model');
});
