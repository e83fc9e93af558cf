/**
 * Claim check: a batch too large to travel inside an event is written to the pipeline bucket
 * and the event carries only its reference. Keeps RabbitMQ messages small whatever the
 * document size.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import type { ClaimCheck } from '../events/schemas.js';
import { InvalidEventError } from '../runtime/errors.js';
import { getJson, ObjectNotFoundError, putJson } from './s3.js';

export interface ClaimCheckStore {
  /** Inline when the serialised items fit under the threshold, else stored under `key`. */
  pack<T>(items: readonly T[], key: string): Promise<{ items: T[] } | { claim: ClaimCheck }>;
  unpack<T extends z.ZodTypeAny>(ref: { items?: unknown[]; claim?: ClaimCheck }, itemSchema: T): Promise<z.infer<T>[]>;
}

export interface ClaimCheckOptions {
  s3: S3Client;
  bucket: string;
  thresholdBytes: number;
}

export function createClaimCheckStore({ s3, bucket, thresholdBytes }: ClaimCheckOptions): ClaimCheckStore {
  return {
    async pack(items, key) {
      const size = Buffer.byteLength(JSON.stringify(items));
      if (size <= thresholdBytes) return { items: [...items] };
      const bytes = await putJson(s3, bucket, key, items);
      return { claim: { bucket, key, bytes } };
    },
    async unpack(ref, itemSchema) {
      let raw: unknown = ref.items;
      if (ref.claim) {
        try {
          raw = await getJson(s3, ref.claim.bucket, ref.claim.key);
        } catch (err) {
          // A claim that is gone cannot appear later: replaying the event will not help.
          if (err instanceof ObjectNotFoundError) throw new InvalidEventError(`claim check s3://${ref.claim.bucket}/${ref.claim.key} is gone`);
          throw err;
        }
      }
      const parsed = z.array(itemSchema).safeParse(raw);
      if (!parsed.success) throw new InvalidEventError('claim-checked payload does not match its schema', parsed.error.issues.map((i) => i.message));
      return parsed.data;
    },
  };
}

/** Where the stages put claim-checked payloads: one object per document version and stage. */
export function claimKey(stage: 'chunks' | 'vectors', docId: string, version: string): string {
  return `claims/${docId}/${version}/${stage}.json`;
}
