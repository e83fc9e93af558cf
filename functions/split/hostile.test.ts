/**
 * Every hostile file through the real split handler and extraction worker (storage and status
 * faked): each ends as its expectation says, and the process stays usable throughout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CloudEvent } from 'cloudevents';
import { loadConfig } from '../../lib/config.js';
import { ChunksReadyData } from '../../lib/events/schemas.js';
import { EventType } from '../../lib/events/types.js';
import { DocumentError } from '../../lib/runtime/errors.js';
import { ObjectTooLargeError } from '../../lib/storage/s3.js';
import { hostileFiles } from '../../test/hostile/files.js';
import { createMemoryClaimStore, createMemoryStatusStore, silentContext } from '../../test/support/fakes.js';
import { extractLimits } from './extract/index.js';
import { createSplitHandler } from './handler.js';
import { createIsolatedSplitter } from './worker/isolated.js';

const config = loadConfig({});
const files = hostileFiles();
const downloads: string[] = [];
const handler = createSplitHandler({
  readObject: async (_bucket, key, maxBytes) => {
    downloads.push(key);
    const body = files.find((f) => f.key === key)!.body;
    if (body.byteLength > maxBytes) throw new ObjectTooLargeError(body.byteLength, maxBytes);
    return { bytes: body, etag: `etag-${key.length}`, contentType: 'application/octet-stream', size: body.byteLength };
  },
  headObject: async (_bucket, key) => ({ etag: `etag-${key.length}`, size: files.find((f) => f.key === key)!.body.byteLength, contentType: 'application/octet-stream' }),
  countIndexed: async () => 0,
  status: createMemoryStatusStore(),
  claims: createMemoryClaimStore(1_000_000),
  splitter: createIsolatedSplitter(
    extractLimits(config),
    { size: config.CHUNK_SIZE, overlap: config.CHUNK_OVERLAP },
    { deadlineMs: config.SPLIT_DEADLINE_MS, maxMemoryMb: config.SPLIT_WORKER_MAX_MB, ...(config.SPLIT_WORKER_MAX_DATA_MB ? { maxDataMb: config.SPLIT_WORKER_MAX_DATA_MB } : {}), size: config.SPLIT_WORKERS },
  ),
  limits: { buckets: ['documents'], maxObjectBytes: config.MAX_OBJECT_BYTES, maxChunks: config.MAX_CHUNKS_PER_DOCUMENT },
});

for (const file of files) {
  test(`${file.key} ends ${file.expect.status}`, async () => {
    const event = new CloudEvent({ type: EventType.ObjectCreated, source: '/test', data: { bucket: 'documents', key: file.key } });
    const expected = file.expect;
    if (expected.status === 'indexed') {
      const data = ChunksReadyData.parse((await handler(event, silentContext))?.data);
      assert.ok(data.chunkCount > 0);
      const text = (data.chunks.items ?? []).map((c) => c.text).join(' ');
      for (const word of (expected.probe ?? '').split(' ')) assert.ok(text.includes(word), `${word} in ${text}`);
      return;
    }
    await assert.rejects(handler(event, silentContext), (err: unknown) => {
      assert.ok(err instanceof DocumentError, `${file.key}: ${String(err)}`);
      assert.match(`${err.reason}: ${err.message}`, expected.reason);
      return true;
    });
  });
}

test('an object over MAX_OBJECT_BYTES is refused from its HEAD, never downloaded', () => {
  const oversized = files.filter((f) => f.body.byteLength > config.MAX_OBJECT_BYTES).map((f) => f.key);
  assert.ok(oversized.length > 0);
  for (const key of oversized) assert.ok(!downloads.includes(key), key);
});
