import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeVector } from '../embedding/vector-codec.js';
import { InvalidEventError } from '../runtime/errors.js';
import { claimKey } from '../storage/claim-check.js';
import { documentId, sha256Hex } from './identity.js';
import { derivedMaxClaimBytes, documentLimits, MAX_HEADING_CHARS, verifyChunks, verifyClaimReference, verifyDocument } from './verify.js';
import { commaList, loadConfig } from '../config.js';

const limits = documentLimits(loadConfig({ S3_BUCKET: 'documents, other', CHUNK_SIZE: '100', MAX_CHUNKS_PER_DOCUMENT: '5', EMBED_DIMENSION: '384' }));

test('limits come from the configuration; the claim cap is derived unless MAX_CLAIM_BYTES is set', () => {
  assert.deepEqual(limits.buckets, ['documents', 'other']);
  assert.deepEqual(commaList(' a ,, b '), ['a', 'b']);
  assert.deepEqual(loadConfig({ S3_BUCKET: ' a ,, b ,a' }).buckets, ['a', 'b'], 'derived once, at load');
  assert.equal(limits.dimension, 384);
  assert.equal(limits.maxClaimBytes, derivedMaxClaimBytes(limits));
  assert.equal(documentLimits(loadConfig({ MAX_CLAIM_BYTES: '1234' })).maxClaimBytes, 1234);
});

test('the derived claim cap holds the largest payload a real document can produce', () => {
  // Worst case per chunk: every character escaped as \u00XX, the longest heading, a page, the vector.
  const text = '\u0001'.repeat(limits.maxChunkChars);
  const chunks = Array.from({ length: limits.maxChunks }, (_, index) => ({
    index,
    text,
    hash: sha256Hex(text),
    page: limits.maxPages,
    heading: '\u0001'.repeat(MAX_HEADING_CHARS),
    vector: encodeVector(new Float32Array(limits.dimension).fill(-1.2345678e-30)),
  }));
  const bytes = Buffer.byteLength(JSON.stringify(chunks));
  assert.ok(bytes <= limits.maxClaimBytes, `${bytes} bytes over the derived cap of ${limits.maxClaimBytes}`);
  assert.ok(limits.maxClaimBytes < 2 * bytes, 'and the cap is not much looser than that');
});

test('a document reference is re-derived: docId, bucket, version shape, size', () => {
  const good = { bucket: 'documents', key: 'a.md', docId: documentId('documents', 'a.md'), version: 'd41d8cd98f00b204e9800998ecf8427e-2', size: 10, contentType: 'text/markdown' };
  verifyDocument(limits, good);
  for (const [bad, reason] of [
    [{ ...good, docId: documentId('documents', 'b.md') }, /is not the id of documents\/a\.md/],
    [{ ...good, bucket: 'other' }, /is not the id of other\/a\.md/],
    [{ ...good, bucket: 'elsewhere', docId: documentId('elsewhere', 'a.md') }, /not a configured bucket/],
    [{ ...good, version: 'a/../b' }, /not an object version/],
    [{ ...good, version: '..' }, /not an object version/],
    [{ ...good, size: limits.maxObjectBytes + 1 }, /MAX_OBJECT_BYTES/],
  ] as const) {
    assert.throws(() => verifyDocument(limits, bad), (err: unknown) => err instanceof InvalidEventError && reason.test(err.message));
  }
});

test('a claim reference must be this document version\'s claim of the previous stage, within the cap', () => {
  const document = { docId: documentId('documents', 'a.md'), version: 'v1' };
  const key = claimKey('chunks', document.docId, document.version);
  verifyClaimReference(limits, undefined, document, 'chunks');
  verifyClaimReference(limits, { bucket: limits.pipelineBucket, key, bytes: 10 }, document, 'chunks');
  assert.throws(() => verifyClaimReference(limits, { bucket: 'documents', key, bytes: 10 }, document, 'chunks'), InvalidEventError);
  assert.throws(() => verifyClaimReference(limits, { bucket: limits.pipelineBucket, key, bytes: 10 }, document, 'vectors'), InvalidEventError);
  assert.throws(() => verifyClaimReference(limits, { bucket: limits.pipelineBucket, key: `${key}/../x`, bytes: 10 }, document, 'chunks'), InvalidEventError);
  assert.throws(() => verifyClaimReference(limits, { bucket: limits.pipelineBucket, key, bytes: limits.maxClaimBytes + 1 }, document, 'chunks'), /MAX_CLAIM_BYTES/);
});

test('chunks: every hash is that of its text, indexes run 0..n-1, bounds hold', () => {
  const chunk = (index: number, text = `chunk ${index}`) => ({ index, text, hash: sha256Hex(text) });
  verifyChunks(limits, [chunk(0), chunk(1)], 2);
  assert.throws(() => verifyChunks(limits, [chunk(1), chunk(0)], 2), /indexes must run/);
  assert.throws(() => verifyChunks(limits, [chunk(0), chunk(2)], 2), /indexes must run/);
  assert.throws(() => verifyChunks(limits, [chunk(0)], 2), /chunkCount 2/);
  assert.throws(() => verifyChunks(limits, Array.from({ length: 6 }, (_, i) => chunk(i)), 6), /MAX_CHUNKS_PER_DOCUMENT/);
  assert.throws(() => verifyChunks(limits, [{ ...chunk(0), hash: sha256Hex('other') }], 1), /hash is not the SHA-256/);
  assert.throws(() => verifyChunks(limits, [chunk(0, 'x'.repeat(101))], 1), /CHUNK_SIZE/);
  assert.throws(() => verifyChunks(limits, [{ ...chunk(0), heading: 'h'.repeat(MAX_HEADING_CHARS + 1) }], 1), /heading/);
});
