import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { InvalidEventError } from '../runtime/errors.js';
import { createClaimCheckStore } from './claim-check.js';

/** An S3 whose GetObject answers `body` in 1 KiB pieces with whatever length header it is told to. */
function fakeS3(body: Buffer, contentLength: number | undefined) {
  const reads = { pieces: 0, cancelled: false };
  const client = {
    send: async () => ({
      ContentLength: contentLength,
      ETag: '"e"',
      Body: {
        transformToWebStream: () =>
          new ReadableStream<Uint8Array>({
            pull(controller) {
              const start = reads.pieces++ * 1024;
              if (start >= body.length) controller.close();
              else controller.enqueue(body.subarray(start, start + 1024));
            },
            cancel() {
              reads.cancelled = true;
            },
          }),
      },
    }),
  } as unknown as S3Client;
  return { client, reads };
}

const items = (n: number) => JSON.stringify(Array.from({ length: n }, (_, i) => `item ${i} `.padEnd(100, 'x')));
const claim = (bytes: number) => ({ claim: { bucket: 'sluice-pipeline', key: 'claims/d/v/chunks.json', bytes } });

test('a claim within the cap is read and validated', async () => {
  const body = Buffer.from(items(10));
  const store = createClaimCheckStore({ s3: fakeS3(body, body.length).client, bucket: 'sluice-pipeline', thresholdBytes: 10, maxBytes: 10_000 });
  assert.equal((await store.unpack(claim(body.length), z.string())).length, 10);
});

test('a claim larger than the cap is refused from its declared size, without reading', async () => {
  const body = Buffer.from(items(200));
  const { client, reads } = fakeS3(body, body.length);
  const store = createClaimCheckStore({ s3: client, bucket: 'sluice-pipeline', thresholdBytes: 10, maxBytes: 10_000 });
  await assert.rejects(store.unpack(claim(body.length), z.string()), /over the limit of 10000/);
  assert.equal(reads.pieces, 0);
});

test('a body longer than its length header and its claim say is cut off while reading', async () => {
  const body = Buffer.from(items(200)); // ~20 KB behind a header that says 1000 bytes
  const { client, reads } = fakeS3(body, 1000);
  const store = createClaimCheckStore({ s3: client, bucket: 'sluice-pipeline', thresholdBytes: 10, maxBytes: 10_000 });
  await assert.rejects(store.unpack(claim(1000), z.string()), (err: unknown) => err instanceof InvalidEventError && /larger than it declares/.test(err.message));
  assert.ok(reads.pieces <= 2, `stopped after ${reads.pieces} KiB, not at the end of the body`);
  assert.equal(reads.cancelled, true, 'the download was cancelled');
});

test('a claim whose size differs from what it declares, or in another bucket, is refused', async () => {
  const body = Buffer.from(items(3));
  const store = createClaimCheckStore({ s3: fakeS3(body, body.length).client, bucket: 'sluice-pipeline', thresholdBytes: 10, maxBytes: 10_000 });
  await assert.rejects(store.unpack(claim(body.length + 5), z.string()), /holds \d+ bytes, it declares/);
  await assert.rejects(store.unpack({ claim: { bucket: 'documents', key: 'a', bytes: 3 } }, z.string()), /outside the pipeline bucket/);
});
