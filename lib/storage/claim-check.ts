/**
 * Claim check: a batch too large to travel inside an event is written to the pipeline bucket
 * and the event carries only its reference. Keeps RabbitMQ messages small whatever the
 * document size.
 */
import { DeleteObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import type { ClaimCheck } from '../events/schemas.js';
import { InvalidEventError } from '../runtime/errors.js';
import { getObject, ObjectNotFoundError, ObjectTooLargeError, putJson, type StoredObject } from './s3.js';

export interface ClaimCheckStore {
  /** Inline when the serialised items fit under the threshold, else stored under `key`. */
  pack<T>(items: readonly T[], key: string): Promise<{ items: T[] } | { claim: ClaimCheck }>;
  unpack<T extends z.ZodTypeAny>(ref: { items?: unknown[]; claim?: ClaimCheck }, itemSchema: T): Promise<z.infer<T>[]>;
}

/**
 * Claims found by key rather than by a reference in an event: embed's per-unit vectors of a
 * large document (functions/embed/unit-vectors.ts), which a retry reads back instead of
 * recomputing. The key is derived by the reader (unitClaimKey), never taken from an event.
 */
export interface KeyedClaims {
  /** Stores `items` under `key` whatever their size, replacing what was there. */
  put<T>(items: readonly T[], key: string): Promise<void>;
  /**
   * The items under `key`, or undefined when there is no such object or it does not hold
   * items of `itemSchema` (a caller that can recompute them treats both alike).
   */
  get<T extends z.ZodTypeAny>(key: string, itemSchema: T): Promise<z.infer<T>[] | undefined>;
}

/** Bounded state: claims go once their version is done with (index). */
export interface ClaimCleanup {
  /**
   * Deletes the document's claims once they are no longer needed: those of `version` (indexed
   * or superseded), or all of them (the object was deleted). Returns how many were deleted.
   */
  deleteClaims(document: { docId: string; version?: string | undefined; generation?: number | undefined }): Promise<number>;
}

/**
 * The claim an event names no longer exists: swept by age, or cleaned up by an earlier delivery
 * of the same event that finished after the broker had given up on it (index tells the two apart).
 */
export class ClaimGoneError extends InvalidEventError {}

export interface ClaimCheckOptions {
  s3: S3Client;
  bucket: string;
  thresholdBytes: number;
  /**
   * Largest claim object read back (MAX_CLAIM_BYTES): checked against the claim's declared size
   * and the object's length before reading, and counted while reading.
   */
  maxBytes?: number;
}

export function createClaimCheckStore({ s3, bucket, thresholdBytes, maxBytes = Number.MAX_SAFE_INTEGER }: ClaimCheckOptions): ClaimCheckStore & KeyedClaims & ClaimCleanup {
  return {
    async pack(items, key) {
      const size = Buffer.byteLength(JSON.stringify(items));
      if (size <= thresholdBytes) return { items: [...items] };
      const bytes = await putJson(s3, bucket, key, items);
      return { claim: { bucket, key, bytes } };
    },
    async unpack(ref, itemSchema) {
      let raw: unknown = ref.items;
      if (ref.claim) raw = await readClaim(ref.claim);
      const parsed = z.array(itemSchema).safeParse(raw);
      if (!parsed.success) throw new InvalidEventError('claim-checked payload does not match its schema', parsed.error.issues.map((i) => i.message));
      return parsed.data;
    },
    async put(items, key) {
      if (!key.startsWith('claims/')) throw new Error(`not a claim key: ${key}`);
      await putJson(s3, bucket, key, items);
    },
    async get(key, itemSchema) {
      let object: StoredObject;
      try {
        object = await getObject(s3, bucket, key, maxBytes);
      } catch (err) {
        if (err instanceof ObjectNotFoundError || err instanceof ObjectTooLargeError) return undefined;
        throw err;
      }
      let raw: unknown;
      try {
        raw = JSON.parse(Buffer.from(object.bytes).toString('utf8'));
      } catch {
        return undefined;
      }
      const parsed = z.array(itemSchema).safeParse(raw);
      return parsed.success ? parsed.data : undefined;
    },
    deleteClaims: (document) => deleteClaims(s3, bucket, claimPrefix(document.docId, document.version, document.generation)),
  };

  async function readClaim(claim: ClaimCheck): Promise<unknown> {
    const where = `s3://${claim.bucket}/${claim.key}`;
    // Claims are only ever written to the pipeline bucket; which key is the handler's to check.
    if (claim.bucket !== bucket) throw new InvalidEventError(`claim check ${where} is outside the pipeline bucket ${bucket}`);
    if (claim.bytes > maxBytes) throw new InvalidEventError(`claim check ${where} declares ${claim.bytes} bytes, over the limit of ${maxBytes}`);
    let object: StoredObject;
    try {
      object = await getObject(s3, claim.bucket, claim.key, Math.min(maxBytes, claim.bytes));
    } catch (err) {
      // A claim that is gone cannot appear later: replaying the event will not help.
      if (err instanceof ObjectNotFoundError) throw new ClaimGoneError(`claim check ${where} is gone`);
      if (err instanceof ObjectTooLargeError) throw new InvalidEventError(`claim check ${where} is larger than it declares (${claim.bytes} bytes) or than ${maxBytes} bytes`);
      throw err;
    }
    if (object.size !== claim.bytes) throw new InvalidEventError(`claim check ${where} holds ${object.size} bytes, it declares ${claim.bytes}`);
    // Not JSON: a corrupt write of our own; the broker retries it and then dead-letters it.
    return JSON.parse(Buffer.from(object.bytes).toString('utf8'));
  }
}

/**
 * The prefix of a document's claims (every version), or of one version's in one index
 * generation: while a re-index runs, a version is split and embedded for two generations with
 * different chunking, and neither may overwrite or clean up the other's claims. Generation 1
 * keeps the layout from before generations; `@` never occurs in a version (verify.ts).
 */
export function claimPrefix(docId: string, version?: string, generation?: number): string {
  if (version === undefined) return `claims/${docId}/`;
  return `claims/${docId}/${version}${generation !== undefined && generation > 1 ? `@g${generation}` : ''}/`;
}

/** Deletes every object under `prefix` whose last modification is before `olderThan` (all when absent). */
export async function deleteClaims(s3: S3Client, bucket: string, prefix: string, olderThan?: Date): Promise<number> {
  // Never outside the claims area, whatever a caller passes.
  if (!prefix.startsWith('claims/')) throw new Error(`not a claim prefix: ${prefix}`);
  let deleted = 0;
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
    for (const object of page.Contents ?? []) {
      if (!object.Key || (olderThan && object.LastModified && object.LastModified >= olderThan)) continue;
      // One DeleteObject per key: multi-object delete needs Content-MD5, which not every S3 server checks alike.
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: object.Key }));
      deleted++;
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return deleted;
}

/**
 * The age sweep: claims of versions that never completed (a dead-lettered or abandoned cycle)
 * are deleted once older than `maxAgeMs`. Run by reconcile.
 */
export function sweepClaims(s3: S3Client, bucket: string, maxAgeMs: number, now: Date = new Date()): Promise<number> {
  return deleteClaims(s3, bucket, 'claims/', new Date(now.getTime() - maxAgeMs));
}

/** Where the stages put claim-checked payloads: one object per document version and stage. */
export function claimKey(stage: 'chunks' | 'vectors', docId: string, version: string, generation?: number): string {
  return `${claimPrefix(docId, version, generation)}${stage}.json`;
}

/**
 * Where embed keeps the vectors of unit `unit` of a document version cut into units of
 * `unitSize` texts: under the version's prefix, so they go with its other claims, and named by
 * the unit size too, so that a changed EMBED_UNIT_CHUNKS never reads another cut's unit.
 */
export function unitClaimKey(docId: string, version: string, unitSize: number, unit: number, generation?: number): string {
  return `${claimPrefix(docId, version, generation)}units/${unitSize}/${unit}.json`;
}
