/**
 * The one place a process builds its stores from its configuration: the S3 client, the index
 * generations (lib/generations: the alias, the record, one vector and status store each), the
 * vector store and the status store of the serving generation, and the claim-check store (in
 * the pipeline bucket). Every process gets them wired the same way, with the same limits.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Config } from './config.js';
import { documentLimits } from './documents/verify.js';
import { createGenerations, pipelineSettings, servingStatusStore, servingVectorStore, type Generations, type GenerationSettings } from './generations/index.js';
import { createClaimCheckStore, type ClaimCheckStore, type ClaimCleanup, type KeyedClaims } from './storage/claim-check.js';
import { createS3Client } from './storage/s3.js';
import type { StatusStore } from './status/index.js';
import type { VectorStore } from './vector-store/qdrant.js';

export interface Stores {
  readonly s3: S3Client;
  readonly generations: Generations;
  /** The serving generation's points (whichever serves at each call). */
  readonly vectors: VectorStore;
  /** The serving generation's document status. */
  readonly status: StatusStore;
  readonly claims: ClaimCheckStore & KeyedClaims & ClaimCleanup;
  /** Releases the S3 client's sockets (Qdrant's fetch pool idles out by itself). */
  close(): void;
}

export interface StoresOptions {
  /** Generation 1's settings until the record exists (default: the chunking and dimension of `config`). */
  initialSettings?: () => Promise<GenerationSettings>;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export function createStores(config: Config, options: StoresOptions = {}): Stores {
  const s3 = createS3Client(config);
  const generations = createGenerations({
    qdrant: { url: config.QDRANT_URL, apiKey: config.QDRANT_API_KEY },
    s3,
    pipelineBucket: config.S3_PIPELINE_BUCKET,
    alias: config.QDRANT_COLLECTION,
    initialSettings: options.initialSettings ?? (async () => pipelineSettings(config)),
    maxClockSkewMs: config.STATUS_MAX_CLOCK_SKEW_S * 1000,
    filterFields: config.filterFields,
    tenantField: config.tenantField,
    ...(options.log ? { log: options.log } : {}),
  });
  return {
    s3,
    generations,
    vectors: servingVectorStore(generations),
    status: servingStatusStore(generations),
    claims: createClaimCheckStore({ s3, bucket: config.S3_PIPELINE_BUCKET, thresholdBytes: config.CLAIM_CHECK_THRESHOLD_BYTES, maxBytes: documentLimits(config).maxClaimBytes }),
    close: () => s3.destroy(),
  };
}
