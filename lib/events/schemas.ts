/**
 * Data schemas of the catalogue's events (zod). Validated at every edge: a stage parses the
 * incoming event's data with these before doing any work, so handler code sees typed values.
 */
import { z } from 'zod';
import { EventType, type EventTypeName } from './types.js';

/** S3 object keys: non-empty, at most 1024 bytes (the S3 limit). */
export const ObjectKey = z
  .string()
  .min(1)
  .refine((k) => Buffer.byteLength(k, 'utf8') <= 1024, 'object key longer than 1024 bytes');

const BucketName = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'invalid bucket name');

/**
 * Order of object events for one key. SeaweedFS filer events carry a nanosecond timestamp
 * (`ts_ns`) that only grows; we carry it as a decimal string because it exceeds 2^53.
 */
const Sequence = z.string().regex(/^\d{1,20}$/, 'sequence must be a decimal integer string');

/** Data of object.created / object.updated. */
export const ObjectChangedData = z.object({
  bucket: BucketName,
  key: ObjectKey,
  /** ETag (MD5 hex for single-part uploads) when the source knows it. */
  etag: z.string().optional(),
  size: z.number().int().nonnegative().optional(),
  contentType: z.string().optional(),
  sequence: Sequence.optional(),
});
export type ObjectChangedData = z.infer<typeof ObjectChangedData>;

/** Data of object.deleted. */
export const ObjectDeletedData = z.object({
  bucket: BucketName,
  key: ObjectKey,
  sequence: Sequence.optional(),
});
export type ObjectDeletedData = z.infer<typeof ObjectDeletedData>;

/**
 * The index generation an event is for (lib/generations): absent on what users and the source
 * send (the serving generation), set by split on everything downstream, and on the requests of
 * a re-index build. Receivers check it names a generation that takes writes.
 */
export const GenerationTag = z.number().int().positive().max(1_000_000);

/** Data of ingest.requested (what a user curls). The bucket defaults to the configured one. */
export const IngestRequestedData = z.object({
  bucket: BucketName.optional(),
  key: ObjectKey,
  generation: GenerationTag.optional(),
});
export type IngestRequestedData = z.infer<typeof IngestRequestedData>;

/** Header fields of an e-mail document; bounds in lib/documents/email.ts, checked by verify.ts. */
export const EmailFields = z
  .object({
    subject: z.string().optional(),
    from: z.array(z.string()).optional(),
    to: z.array(z.string()).optional(),
    date: z.string().optional(),
  })
  .strict();

/** Identity and version of the document a pipeline event is about. */
export const DocumentRef = z.object({
  bucket: BucketName,
  key: ObjectKey,
  /** UUIDv5 of `bucket/key`: stable across versions. */
  docId: z.string().uuid(),
  /** ETag of the object version that was read (the `version` payload of its points). */
  version: z.string().min(1),
  sequence: Sequence.optional(),
  size: z.number().int().nonnegative(),
  contentType: z.string(),
  /** ISO time of the object event that started this processing cycle (status ordering). */
  requestedAt: z.string().datetime({ offset: true }).optional(),
  /**
   * The object's user metadata and tags as split read them from S3, normalised and bounded
   * (lib/documents/metadata.ts); every point's `meta`. The stages check the limits
   * (lib/documents/verify.ts) and index checks it is still what S3 holds.
   */
  meta: z.record(z.string(), z.string()).optional(),
  /** E-mail documents: header fields every point carries (lib/documents/email.ts). */
  email: EmailFields.optional(),
});
export type DocumentRef = z.infer<typeof DocumentRef>;

export const Chunk = z.object({
  /** Position of the chunk in the document, from 0. */
  index: z.number().int().nonnegative(),
  text: z.string().min(1),
  /** SHA-256 hex of `text`: identity of the content, for change detection. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  page: z.number().int().positive().optional(),
  heading: z.string().optional(),
  /** The text was read by OCR (a scanned page or an image file), not from a text layer. */
  ocr: z.boolean().optional(),
});
export type Chunk = z.infer<typeof Chunk>;

/** Chunk with its embedding; the vector is little-endian float32, base64 (4 bytes a dimension). */
export const EmbeddedChunk = Chunk.extend({ vector: z.string().min(1) });
export type EmbeddedChunk = z.infer<typeof EmbeddedChunk>;

/**
 * A payload written to S3 instead of inline (claim check) because it was over the size
 * threshold. The reader fetches and validates it with the schema of the inline form.
 */
export const ClaimCheck = z.object({
  bucket: BucketName,
  key: z.string().min(1),
  bytes: z.number().int().nonnegative(),
});
export type ClaimCheck = z.infer<typeof ClaimCheck>;

const inlineOrClaim = <T extends z.ZodTypeAny>(item: T) =>
  z
    .object({ items: z.array(item).optional(), claim: ClaimCheck.optional() })
    .refine((v) => (v.items === undefined) !== (v.claim === undefined), 'exactly one of items or claim');

export const ChunksReadyData = z.object({
  document: DocumentRef,
  generation: GenerationTag.optional(),
  chunkCount: z.number().int().nonnegative(),
  chunks: inlineOrClaim(Chunk),
});
export type ChunksReadyData = z.infer<typeof ChunksReadyData>;

/**
 * Data of chunks.embedding: the chunks.ready it continues (the same chunks reference, verified
 * again at every unit) and the cursor. The cut into units is not carried: embed derives it
 * from the chunks and its own EMBED_UNIT_CHUNKS, so a sender cannot make a unit any larger.
 */
export const EmbedProgressData = ChunksReadyData.extend({
  /** The next unit to embed, from 0; embed checks it against the units it derives. */
  unit: z.number().int().nonnegative(),
  /** How often the last unit found an earlier unit's vectors gone and sent the cursor back (bounded by embed). */
  rewinds: z.number().int().nonnegative(),
});
export type EmbedProgressData = z.infer<typeof EmbedProgressData>;

export const EmbeddingModelInfo = z.object({ name: z.string(), dimension: z.number().int().positive() });
export type EmbeddingModelInfo = z.infer<typeof EmbeddingModelInfo>;

export const VectorsReadyData = z.object({
  document: DocumentRef,
  generation: GenerationTag.optional(),
  model: EmbeddingModelInfo,
  chunkCount: z.number().int().nonnegative(),
  chunks: inlineOrClaim(EmbeddedChunk),
});
export type VectorsReadyData = z.infer<typeof VectorsReadyData>;

export const DocumentIndexedData = z.object({
  document: DocumentRef,
  chunkCount: z.number().int().nonnegative(),
  collection: z.string(),
  generation: GenerationTag.optional(),
});
export type DocumentIndexedData = z.infer<typeof DocumentIndexedData>;

export const DocumentDeletedData = z.object({
  bucket: BucketName,
  key: ObjectKey,
  docId: z.string().uuid(),
  sequence: Sequence.optional(),
  collection: z.string(),
});
export type DocumentDeletedData = z.infer<typeof DocumentDeletedData>;

export const DocumentUnchangedData = z.object({
  document: DocumentRef,
  chunkCount: z.number().int().nonnegative(),
  generation: GenerationTag.optional(),
});
export type DocumentUnchangedData = z.infer<typeof DocumentUnchangedData>;

/** Data of reconcile.requested: which bucket(s) to reconcile (default: every configured one). */
export const ReconcileRequestedData = z.object({ bucket: BucketName.optional() });
export type ReconcileRequestedData = z.infer<typeof ReconcileRequestedData>;

/**
 * Data of reindex.requested: what the new generation changes (the rest stays as the serving
 * generation has it). `modelFile` names a graph in SLUICE_MODEL_DIR.
 */
export const ReindexRequestedData = z.object({
  modelFile: z.string().min(1).max(255).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a file name in SLUICE_MODEL_DIR').optional(),
  chunkSize: z.number().int().positive().max(100_000).optional(),
  chunkOverlap: z.number().int().nonnegative().max(100_000).optional(),
});
export type ReindexRequestedData = z.infer<typeof ReindexRequestedData>;

export const IngestFailedData = z.object({
  bucket: z.string(),
  key: z.string(),
  version: z.string().optional(),
  /** ISO time of the object event that started the failed cycle, when known. */
  requestedAt: z.string().optional(),
  stage: z.enum(['split', 'embed', 'index', 'broker', 'api']),
  /** Machine-readable reason, e.g. `unsupported_type`, `no_text`, `too_large`. */
  reason: z.string(),
  message: z.string(),
  /** The generation whose build failed the document, when not the serving one. */
  generation: GenerationTag.optional(),
});
export type IngestFailedData = z.infer<typeof IngestFailedData>;

/** The data schema of every event type: the single lookup used to validate any event. */
export const DATA_SCHEMAS = {
  [EventType.ObjectCreated]: ObjectChangedData,
  [EventType.ObjectUpdated]: ObjectChangedData,
  [EventType.ObjectDeleted]: ObjectDeletedData,
  [EventType.IngestRequested]: IngestRequestedData,
  [EventType.ChunksReady]: ChunksReadyData,
  [EventType.EmbedProgress]: EmbedProgressData,
  [EventType.VectorsReady]: VectorsReadyData,
  [EventType.DocumentIndexed]: DocumentIndexedData,
  [EventType.DocumentDeleted]: DocumentDeletedData,
  [EventType.DocumentUnchanged]: DocumentUnchangedData,
  [EventType.ReconcileRequested]: ReconcileRequestedData,
  [EventType.ReindexRequested]: ReindexRequestedData,
  // The PingSource's data is `{}`: every bucket (see eventing/reconcile-schedule.yaml).
  [EventType.ReconcileScheduled]: ReconcileRequestedData,
  [EventType.IngestFailed]: IngestFailedData,
} as const satisfies Record<EventTypeName, z.ZodTypeAny>;

export type EventData<T extends EventTypeName> = z.infer<(typeof DATA_SCHEMAS)[T]>;
