/**
 * What the index must hold for the bucket as it is now, computed with the same pure extraction
 * and chunking code split runs, from the objects' current bytes.
 */
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { normaliseEtag } from '../../lib/documents/identity.js';
import { createChunker } from '../../functions/split/chunk.js';
import { extractLimits, extractText } from '../../functions/split/extract/index.js';
import { bucket, config, s3 } from './stack.js';

export interface ExpectedChunk {
  key: string;
  version: string;
  index: number;
  hash: string;
}

const chunker = createChunker({ size: config.CHUNK_SIZE, overlap: config.CHUNK_OVERLAP });

/** The objects under `prefix` now: key → ETag. */
export async function listPrefix(prefix: string): Promise<Map<string, string>> {
  const objects = new Map<string, string>();
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) if (o.Key) objects.set(o.Key, normaliseEtag(o.ETag) ?? '');
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return objects;
}

/** The chunks every object under `prefix` should have in the index, at its current version. */
export async function expectedChunks(prefix: string): Promise<ExpectedChunk[]> {
  const expected: ExpectedChunk[] = [];
  for (const key of (await listPrefix(prefix)).keys()) {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const bytes = await object.Body!.transformToByteArray();
    const version = normaliseEtag(object.ETag) ?? '';
    const { sections } = await extractText(bytes, key, object.ContentType ?? 'application/octet-stream', extractLimits(config));
    for (const chunk of await chunker.chunk(sections)) expected.push({ key, version, index: chunk.index, hash: chunk.hash });
  }
  return expected;
}
