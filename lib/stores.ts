/**
 * The one place a process builds its stores from its configuration: the S3 client, the vector
 * store, the status store (beside the vectors, in Qdrant) and the claim-check store (in the
 * pipeline bucket). Every process gets them wired the same way, with the same limits.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Config } from './config.js';
import { documentLimits } from './documents/verify.js';
import { createClaimCheckStore, type ClaimCheckStore, type ClaimCleanup, type KeyedClaims } from './storage/claim-check.js';
import { createS3Client } from './storage/s3.js';
import { createStatusStore, statusCollectionName, type StatusStore } from './status/index.js';
import { createVectorStore, type VectorStore } from './vector-store/qdrant.js';

export interface Stores {
  readonly s3: S3Client;
  readonly vectors: VectorStore;
  readonly status: StatusStore;
  readonly claims: ClaimCheckStore & KeyedClaims & ClaimCleanup;
  /** Releases the S3 client's sockets (Qdrant's fetch pool idles out by itself). */
  close(): void;
}

export function createStores(config: Config): Stores {
  const s3 = createS3Client(config);
  const qdrant = { url: config.QDRANT_URL, apiKey: config.QDRANT_API_KEY };
  return {
    s3,
    vectors: createVectorStore({ ...qdrant, collection: config.QDRANT_COLLECTION, filterFields: config.filterFields, tenantField: config.tenantField }),
    status: createStatusStore({ ...qdrant, collection: statusCollectionName(config.QDRANT_COLLECTION), maxClockSkewMs: config.STATUS_MAX_CLOCK_SKEW_S * 1000 }),
    claims: createClaimCheckStore({ s3, bucket: config.S3_PIPELINE_BUCKET, thresholdBytes: config.CLAIM_CHECK_THRESHOLD_BYTES, maxBytes: documentLimits(config).maxClaimBytes }),
    close: () => s3.destroy(),
  };
}
