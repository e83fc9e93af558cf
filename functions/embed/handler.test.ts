import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CloudEvent } from 'cloudevents';
import { sha256Hex } from '../../lib/documents/identity.js';
import type { Embedder } from '../../lib/embedding/types.js';
import { EventType } from '../../lib/events/types.js';
import type { ClaimCheckStore } from '../../lib/storage/claim-check.js';
import { createLogger } from '../../lib/log.js';
import { createEmbedHandler } from './handler.js';

test('a fresh remote embedder whose chunks are all reused still declares the vectors\' dimension', async () => {
  // Like the OpenAI-compatible embedder before its first call: dimension unknown (0).
  const embedder: Embedder = { model: { name: 'remote', dimension: 0 }, embed: () => Promise.reject(new Error('not called')), close: async () => {} };
  const claims: ClaimCheckStore = { pack: async (items) => ({ items: [...items] }), unpack: async (ref) => ref.items as never };
  const text = 'reused chunk';
  const handler = createEmbedHandler({
    embedder,
    claims,
    status: { record: async () => undefined },
    knownVectors: async (hashes) => new Map(hashes.map((h) => [h, [0.1, 0.2, 0.3]])),
  });
  const event = new CloudEvent({
    type: EventType.ChunksReady,
    source: '/test',
    data: {
      document: { bucket: 'documents', key: 'a.txt', docId: '6f1ed002-ab5d-51f1-8b5e-0b5a8c6b9a11', version: 'v1', size: 12, contentType: 'text/plain' },
      chunkCount: 1,
      chunks: { items: [{ index: 0, text, hash: sha256Hex(text) }] },
    },
  });
  const reply = await handler(event, { log: createLogger('test') });
  assert.deepEqual((reply?.data as { model: unknown }).model, { name: 'remote', dimension: 3 });
});
