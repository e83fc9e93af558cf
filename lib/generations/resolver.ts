/**
 * Generations as every process uses them: the record (./store.ts), the alias kept in place
 * (./aliases.ts, once per process before anything else), and one vector store and one status
 * store per generation. A pipeline event names the generation it is for, or none (the serving
 * one); `target` answers which, and refuses one that does not exist.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { QdrantClient } from '@qdrant/js-client-rest';
import { InvalidEventError } from '../runtime/errors.js';
import { createStatusStore, type StatusStore } from '../status/index.js';
import { createQdrantClient, type QdrantConnection } from '../vector-store/client.js';
import { createVectorStore, type VectorStore } from '../vector-store/qdrant.js';
import { ensureAlias, type AliasLog } from './aliases.js';
import { acceptsWrites, findGeneration, liveGenerations, servingGeneration, type Generation, type GenerationSettings, type GenerationsRecord } from './record.js';
import { createGenerationRecordStore, type GenerationRecordStore } from './store.js';

export interface GenerationsOptions {
  qdrant: QdrantConnection;
  s3: S3Client;
  /** S3_PIPELINE_BUCKET: where the record lives. */
  pipelineBucket: string;
  /** QDRANT_COLLECTION: the alias users query. */
  alias: string;
  /** Generation 1's settings while there is no record (from the environment). */
  initialSettings: () => Promise<GenerationSettings>;
  maxClockSkewMs?: number;
  /** Metadata names with a keyword index in every generation's collection (SLUICE_FILTER_FIELDS). */
  filterFields?: readonly string[] | undefined;
  /** The tenant's metadata name, indexed with is_tenant (SLUICE_TENANT_FIELD). */
  tenantField?: string | undefined;
  /** How long a record read is reused (default 1 s). */
  ttlMs?: number;
  log?: AliasLog;
}

export interface Generations {
  readonly alias: string;
  readonly client: QdrantClient;
  readonly records: GenerationRecordStore;
  /** The alias in place (a pre-generations collection moved into generation 1); once per process. */
  ready(): Promise<void>;
  record(options?: { fresh?: boolean }): Promise<GenerationsRecord>;
  serving(): Promise<Generation>;
  /**
   * The generation an event is for: `requested` (its tag) or the serving one. A tag naming no
   * generation is refused (InvalidEventError: 400, never retried); one that no longer takes
   * writes (cancelled, or swapped out and kept for rollback) gives undefined: drop the event.
   */
  target(requested: number | undefined): Promise<Generation | undefined>;
  /** Every generation whose collection is kept: a deletion reaches each. */
  live(): Promise<Generation[]>;
  vectors(generation: Pick<Generation, 'collection'>): VectorStore;
  status(generation: Pick<Generation, 'statusCollection'>): StatusStore;
}

export function createGenerations(options: GenerationsOptions): Generations {
  const client = createQdrantClient(options.qdrant);
  const records = createGenerationRecordStore({ s3: options.s3, bucket: options.pipelineBucket, alias: options.alias, initialSettings: options.initialSettings, ...(options.ttlMs !== undefined ? { ttlMs: options.ttlMs } : {}) });
  const vectorStores = new Map<string, VectorStore>();
  const statusStores = new Map<string, StatusStore>();
  let readying: Promise<void> | undefined;

  // Done once the alias names a collection; until then (nothing indexed yet) every call looks again.
  let inPlace = false;
  const ready = async () => {
    if (inPlace) return;
    readying ??= (async () => {
      const serving = servingGeneration(await records.read({ fresh: true }));
      const result = await ensureAlias(client, options.alias, { collection: serving.collection, ...(options.log ? { log: options.log } : {}) });
      inPlace = result.inPlace;
    })().finally(() => {
      readying = undefined;
    });
    return readying;
  };

  const record = async (readOptions?: { fresh?: boolean }) => {
    await ready();
    return records.read(readOptions);
  };

  return {
    alias: options.alias,
    client,
    records,
    ready,
    record,
    serving: async () => servingGeneration(await record()),
    async target(requested) {
      if (requested === undefined) return servingGeneration(await record());
      // A tag this process has not heard of may be a build started a moment ago: read again.
      const generation = findGeneration(await record(), requested) ?? findGeneration(await record({ fresh: true }), requested);
      if (!generation) throw new InvalidEventError(`generation ${requested} does not exist`);
      return acceptsWrites(generation) ? generation : undefined;
    },
    live: async () => liveGenerations(await record()),
    vectors(generation) {
      let store = vectorStores.get(generation.collection);
      if (!store) {
        const created = createVectorStore({ ...options.qdrant, collection: generation.collection, filterFields: options.filterFields, tenantField: options.tenantField });
        // The first write of an install creates generation 1's collection: the alias follows at once.
        store = { ...created, ensureCollection: async (dimension) => { await created.ensureCollection(dimension); await ready(); } };
        vectorStores.set(generation.collection, store);
      }
      return store;
    },
    status(generation) {
      let store = statusStores.get(generation.statusCollection);
      if (!store) {
        store = createStatusStore({ ...options.qdrant, collection: generation.statusCollection, ...(options.maxClockSkewMs !== undefined ? { maxClockSkewMs: options.maxClockSkewMs } : {}) });
        statusStores.set(generation.statusCollection, store);
      }
      return store;
    },
  };
}
