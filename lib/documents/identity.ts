/**
 * Identity of documents and points. Nothing here is random: a document is its bucket and key,
 * a point is the document, the version and the chunk's position, so replaying any event
 * writes the same ids and never duplicates a point.
 */
import { createHash } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';

/** Fixed namespace for Sluice's UUIDv5 ids (generated once; never change it). */
const SLUICE_NAMESPACE = 'b3c1f0a2-6f5e-4c0b-9a57-3f1d2e8c7a41';

export function documentId(bucket: string, key: string): string {
  return uuidv5(`${bucket}/${key}`, SLUICE_NAMESPACE);
}

export function pointId(docId: string, version: string, chunkIndex: number): string {
  return uuidv5(`${docId}:${version}:${chunkIndex}`, SLUICE_NAMESPACE);
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** S3 returns ETags quoted; we store and compare them bare. */
export function normaliseEtag(etag: string | undefined): string | undefined {
  return etag?.replace(/^W\//, '').replace(/^"|"$/g, '') || undefined;
}
