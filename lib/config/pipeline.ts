/**
 * The pipeline's configuration: the functions (split, embed, index), the API and the CLI. The
 * base schema plus object storage, the vector store, the chunking and the limits on untrusted
 * documents (what only the API reads is in api.ts). The defaults here match
 * `.env.example`, so a process started without the stack scripts still behaves like the
 * documented set-up; docs/reference.md's table of every variable is generated from these schemas.
 */
import { z } from 'zod';
import { BaseSchema } from './base.js';
import { MAX_META_NAME_CHARS, META_NAME } from '../documents/metadata.js';
import { booleanFlag, commaList, nonNegativeInt, optionalPositiveInt, parseEnv, positiveInt, type Env } from './env.js';

export const StorageSchema = z.object({
  /** The S3 API (SeaweedFS locally). */
  S3_ENDPOINT: z.string().url().default('http://127.0.0.1:8333'),
  /** The S3 region the client signs for. */
  S3_REGION: z.string().default('us-east-1'),
  /** Bucket(s) the pipeline serves, comma-separated, the first one the default: see `buckets`. */
  S3_BUCKET: z.string().default('documents'),
  /** Where claim-check payloads and dead letters live; never ingested itself. */
  S3_PIPELINE_BUCKET: z.string().default('sluice-pipeline'),
  /** S3 credentials (also the local SeaweedFS identity). */
  AWS_ACCESS_KEY_ID: z.string().default('sluice'),
  AWS_SECRET_ACCESS_KEY: z.string().default('sluice-local-secret'),
  /** The vector store (locally the Qdrant Edge gateway). */
  QDRANT_URL: z.string().url().default('http://127.0.0.1:6333'),
  /** Sent to Qdrant; the local stack generates one into its data directory. */
  QDRANT_API_KEY: z.string().optional(),
  /** The alias users query: it names the serving index generation's collection `<name>-g<N>` (docs/generations.md). */
  QDRANT_COLLECTION: z.string().default('sluice'),
  /**
   * Read each object's tags (GetObjectTagging) into its `meta` besides its user metadata: one
   * request more per look at an object. Off for an S3 that refuses tagging requests.
   */
  S3_OBJECT_TAGS: z.enum(['true', 'false']).default('true'),
});

export const PipelineSchema = BaseSchema.merge(StorageSchema).extend({
  /** The broker ingress, where the API publishes (reconcile, replays). */
  BROKER_URL: z.string().url().default('http://127.0.0.1:8180/'),
  /** The Broker's dead-letter sink, where functions park schema-invalid events; see deadLetterUrl. */
  DEAD_LETTER_URL: z.string().url().optional(),
  /**
   * Metadata names search can filter by (`--filter name=value`), comma-separated (`owner,team`),
   * each with a keyword index on `meta.<name>`; see `filterFields`.
   */
  SLUICE_FILTER_FIELDS: z.string().default(''),
  /**
   * The metadata name that holds a document's tenant (`tenant`), indexed with Qdrant's
   * `is_tenant`, filterable, and what the API's SLUICE_TENANT_BINDINGS binds credentials to.
   */
  SLUICE_TENANT_FIELD: z.string().optional(),
  /** Target chunk length, in characters. */
  CHUNK_SIZE: positiveInt(1000),
  /** Characters shared by neighbouring chunks. */
  CHUNK_OVERLAP: nonNegativeInt(150),
  /** Chunk and vector payloads up to this size travel inline; larger ones go to S3 (claim check). */
  CLAIM_CHECK_THRESHOLD_BYTES: positiveInt(65536),
  /** Larger objects are refused from their HEAD, never downloaded (`too_large`). */
  MAX_OBJECT_BYTES: positiveInt(100 * 1024 * 1024),
  /** A document that splits into more chunks fails (`too_many_chunks`). */
  MAX_CHUNKS_PER_DOCUMENT: positiveInt(20000),
  /** PDF pages read; later pages are ignored. */
  MAX_PAGES: positiveInt(2000),
  /**
   * Vector length of the embedding model (all-MiniLM-L6-v2: 384). index refuses vectors of any
   * other length before it writes or creates the collection; embed refuses to run with a model
   * that disagrees.
   */
  EMBED_DIMENSION: positiveInt(384),
  /** Largest claim-check object embed and index read; unset: derived from the chunk limits (lib/documents/verify.ts). */
  MAX_CLAIM_BYTES: optionalPositiveInt(),
  /** Largest CloudEvent (request body) a function accepts; larger is 413. */
  MAX_EVENT_BYTES: positiveInt(1024 * 1024),
  /** SIGTERM: how long in-flight events may run before the process exits (under Knative's 30 s). */
  SHUTDOWN_GRACE_MS: nonNegativeInt(25_000),
  /** A document with more extracted text fails (`too_much_text`). */
  MAX_EXTRACTED_CHARS: positiveInt(10_000_000),
  /** Compressed data may inflate to this many times the file size (`inflate_limit`). */
  MAX_INFLATE_RATIO: positiveInt(100),
  /** Deeper HTML nesting fails (`too_deep`). */
  MAX_NESTING_DEPTH: positiveInt(1000),
  /** Entries a zip container (DOCX, PPTX, XLSX, OpenDocument, EPUB) may have (`too_many_parts`). */
  MAX_ZIP_ENTRIES: positiveInt(5000),
  /**
   * OCR of scanned pages (PDF pages without a text layer) and image files (PNG, JPEG, TIFF) with
   * Tesseract; `false` turns it off. When on but `tesseract` (or `pdftoppm`) is not installed,
   * such pages are not read and a document with nothing else fails `no_text` naming the tool.
   */
  OCR_ENABLED: booleanFlag(true),
  /** Tesseract languages, `+`-separated (`eng+deu`); each needs its traineddata (tesseract-ocr-eng, ...). */
  OCR_LANGUAGES: z
    .string()
    .regex(/^[A-Za-z0-9_]+(\+[A-Za-z0-9_]+)*$/, 'Tesseract language codes joined by +, e.g. eng or eng+deu')
    .default('eng'),
  /** All OCR of one document (rendering and recognition), in ms, on top of SPLIT_DEADLINE_MS (`deadline`). */
  OCR_TIMEOUT_MS: positiveInt(50_000),
  /** A document with more pages (or image frames) to OCR fails before any is read (`too_many_scanned_pages`). */
  MAX_OCR_PAGES: positiveInt(50),
  /** Resolution scanned PDF pages are rendered at for OCR. */
  OCR_DPI: positiveInt(200),
  /** Largest image (or rendered page) OCR reads, in pixels; a larger image file fails (`image_too_large`). Tesseract needs about 12 bytes a pixel. */
  OCR_MAX_PIXELS: positiveInt(25_000_000),
  /** Per-document parse time; the parser process is killed at expiry (`deadline`). */
  SPLIT_DEADLINE_MS: positiveInt(60_000),
  /** V8 heap cap of each parser process, in MiB (`out_of_memory`). */
  SPLIT_WORKER_MAX_MB: positiveInt(256),
  /** All writable memory of one parser process (RLIMIT_DATA), in MiB; default heap cap + 1024. */
  SPLIT_WORKER_MAX_DATA_MB: optionalPositiveInt(),
  /** Documents parsed at once, each in its own child process. */
  SPLIT_WORKERS: positiveInt(2),
  /** embed: how long a lone chunk batch may wait for others to share one model run (ms). */
  EMBED_LINGER_MS: nonNegativeInt(10),
  /**
   * embed: distinct chunk texts embedded per delivery. A document with more is embedded one
   * unit at a time, each unit's vectors kept in S3 and the next unit asked for through the
   * broker (`io.sluice.chunks.embedding`), so no delivery runs long and a retry resumes at its
   * unit. 512 is about 8 s of model time on 2 cores, a small part of the 300 s delivery timeout.
   */
  EMBED_UNIT_CHUNKS: positiveInt(512),
  /** How far ahead of our clock a status cycle time may be before it is refused. */
  STATUS_MAX_CLOCK_SKEW_S: nonNegativeInt(300),
});

/**
 * Room a claim-checked-sized payload needs beyond its JSON: the event's attributes and the
 * document reference around it (with its key, up to 8 KiB of `meta` and 4 KiB of `email`
 * fields), and a base64 re-encoding (4/3) when a hop carries the data as `data_base64`
 * (structured mode with a non-JSON content type, or a dead letter).
 */
export const EVENT_ENVELOPE_BYTES = 32 * 1024;

export function largestInlinePayload(eventLimitBytes: number): number {
  return Math.floor(((eventLimitBytes - EVENT_ENVELOPE_BYTES) * 3) / 4);
}

/**
 * Cross-field rules: a payload kept inline must fit every event limit it travels under; the
 * filter and tenant fields are metadata names.
 */
export function checkPipeline(c: z.infer<typeof PipelineSchema>, ctx: z.RefinementCtx): void {
  const issue = (path: string, message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, path: [path], message });
  for (const name of commaList(c.SLUICE_FILTER_FIELDS)) {
    if (!isMetaName(name)) issue('SLUICE_FILTER_FIELDS', `${JSON.stringify(name)} is not a metadata name (lowercase letters, digits and _, at most ${MAX_META_NAME_CHARS})`);
  }
  if (c.SLUICE_TENANT_FIELD !== undefined && !isMetaName(c.SLUICE_TENANT_FIELD)) {
    issue('SLUICE_TENANT_FIELD', `${JSON.stringify(c.SLUICE_TENANT_FIELD)} is not a metadata name (lowercase letters, digits and _, at most ${MAX_META_NAME_CHARS})`);
  }

  const limit = Math.min(c.MAX_EVENT_BYTES, c.BROKER_MAX_EVENT_BYTES);
  const largest = largestInlinePayload(limit);
  if (c.CLAIM_CHECK_THRESHOLD_BYTES > largest) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['CLAIM_CHECK_THRESHOLD_BYTES'],
      message:
        `${c.CLAIM_CHECK_THRESHOLD_BYTES} cannot fit the event limit of ${limit} bytes (min of MAX_EVENT_BYTES and BROKER_MAX_EVENT_BYTES): ` +
        `with base64 and ${EVENT_ENVELOPE_BYTES} bytes of envelope it must be at most ${largest}, or every larger batch is refused by the broker`,
    });
  }
}

/** Values computed once from the variables, so no caller parses them again. */
export interface PipelineDerived {
  /** S3_BUCKET as a list; the first is the default (the CLI's upload target). */
  readonly buckets: readonly string[];
  /** The metadata names search may filter by: SLUICE_FILTER_FIELDS, and the tenant field. */
  readonly filterFields: readonly string[];
  readonly tenantField: string | undefined;
  readonly objectTags: boolean;
}

export function derivePipeline(
  c: Pick<z.infer<typeof PipelineSchema>, 'S3_BUCKET' | 'SLUICE_FILTER_FIELDS' | 'SLUICE_TENANT_FIELD' | 'S3_OBJECT_TAGS'>,
): PipelineDerived {
  const tenantField = c.SLUICE_TENANT_FIELD;
  return {
    buckets: commaList(c.S3_BUCKET),
    filterFields: commaList([c.SLUICE_FILTER_FIELDS, tenantField ?? ''].join(',')),
    tenantField,
    objectTags: c.S3_OBJECT_TAGS === 'true',
  };
}

function isMetaName(name: string): boolean {
  return name.length <= MAX_META_NAME_CHARS && META_NAME.test(name);
}

export type Config = z.infer<typeof PipelineSchema> & PipelineDerived;

/** The pipeline's configuration from `env` (default: the process's), read once at start. */
export function loadConfig(env: Env = process.env): Config {
  const parsed = parseEnv(PipelineSchema.superRefine(checkPipeline), env);
  return { ...parsed, ...derivePipeline(parsed) };
}

/** DEAD_LETTER_URL, or locally the API's sink on API_PORT (the Broker's deadLetterSink). */
export function deadLetterUrl(config: Pick<Config, 'DEAD_LETTER_URL' | 'API_PORT'>): string {
  return config.DEAD_LETTER_URL ?? `http://127.0.0.1:${config.API_PORT}/dead-letters`;
}
