/**
 * The pipeline's configuration: the functions (split, embed, index), the API and the CLI. The
 * base schema plus object storage, the vector store, the chunking and the limits on untrusted
 * documents, and the API's dead letters and self-healing. The defaults here match
 * `.env.example`, so a process started without the stack scripts still behaves like the
 * documented set-up; docs/reference.md's table of every variable is generated from these schemas.
 */
import { z } from 'zod';
import { BaseSchema } from './base.js';
import { MAX_META_NAME_CHARS, MAX_META_VALUE_CHARS, META_NAME, metaProblem } from '../documents/metadata.js';
import { commaList, nonNegativeInt, optionalPositiveInt, parseEnv, positiveInt, type Env } from './env.js';

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
  /** The points collection; status records live in `<name>_status`. */
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
  /** HTTP basic auth for the API: comma-separated `user:password` pairs; empty = off. */
  SLUICE_BASIC_AUTH: z.string().default(''),
  /**
   * Metadata names search can filter by (`--filter name=value`), comma-separated (`owner,team`),
   * each with a keyword index on `meta.<name>`; see `filterFields`.
   */
  SLUICE_FILTER_FIELDS: z.string().default(''),
  /**
   * The metadata name that holds a document's tenant (`tenant`), indexed with Qdrant's
   * `is_tenant`, filterable, and what SLUICE_TENANT_BINDINGS binds credentials to.
   */
  SLUICE_TENANT_FIELD: z.string().optional(),
  /**
   * API users bound to one tenant, `user=tenant` pairs, comma-separated: such a user may only
   * search, and only sees documents whose tenant field holds that tenant.
   */
  SLUICE_TENANT_BINDINGS: z.string().default(''),
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
  /** How far ahead of our clock a status cycle time may be before it is refused. */
  STATUS_MAX_CLOCK_SKEW_S: nonNegativeInt(300),
  /** Largest dead letter the API's sink stores; larger is 413. */
  DEAD_LETTER_MAX_BYTES: positiveInt(256 * 1024),
  /** Dead letters older than this are deleted. */
  DEAD_LETTER_TTL_HOURS: positiveInt(7 * 24),
  /** At most this many dead letters are kept; the oldest are evicted. */
  DEAD_LETTER_MAX_COUNT: positiveInt(10_000),
  /** The API runs reconcile every this many seconds (0 = never; the cluster uses a PingSource). */
  RECONCILE_INTERVAL_S: nonNegativeInt(300),
  /** Self-healing: first wait before reconcile re-requests a dead-lettered document; doubles each attempt. */
  HEAL_BACKOFF_BASE_S: nonNegativeInt(60),
  /** Self-healing: the longest wait between two re-requests of one document. */
  HEAL_BACKOFF_MAX_S: positiveInt(6 * 3600),
  /** Claim-check objects older than this are deleted by reconcile (any left behind). */
  CLAIM_MAX_AGE_HOURS: positiveInt(24),
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
 * filter and tenant fields are metadata names; tenant bindings name API users and a tenant field.
 */
export function checkPipeline(c: z.infer<typeof PipelineSchema>, ctx: z.RefinementCtx): void {
  const issue = (path: string, message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, path: [path], message });
  for (const name of commaList(c.SLUICE_FILTER_FIELDS)) {
    if (!isMetaName(name)) issue('SLUICE_FILTER_FIELDS', `${JSON.stringify(name)} is not a metadata name (lowercase letters, digits and _, at most ${MAX_META_NAME_CHARS})`);
  }
  if (c.SLUICE_TENANT_FIELD !== undefined && !isMetaName(c.SLUICE_TENANT_FIELD)) {
    issue('SLUICE_TENANT_FIELD', `${JSON.stringify(c.SLUICE_TENANT_FIELD)} is not a metadata name (lowercase letters, digits and _, at most ${MAX_META_NAME_CHARS})`);
  }
  const bindings = parseTenantBindings(c.SLUICE_TENANT_BINDINGS);
  if ('error' in bindings) issue('SLUICE_TENANT_BINDINGS', bindings.error);
  else if (Object.keys(bindings).length > 0) {
    if (c.SLUICE_TENANT_FIELD === undefined) issue('SLUICE_TENANT_BINDINGS', 'binding users to tenants needs SLUICE_TENANT_FIELD');
    const users = new Set(commaList(c.SLUICE_BASIC_AUTH).map((pair) => pair.slice(0, Math.max(0, pair.indexOf(':')))));
    for (const user of Object.keys(bindings)) {
      if (!users.has(user)) issue('SLUICE_TENANT_BINDINGS', `${user} is not a SLUICE_BASIC_AUTH user`);
    }
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
  /** API user → the one tenant it may see (SLUICE_TENANT_BINDINGS). */
  readonly tenantBindings: Readonly<Record<string, string>>;
  readonly objectTags: boolean;
}

export function derivePipeline(
  c: Pick<z.infer<typeof PipelineSchema>, 'S3_BUCKET' | 'SLUICE_FILTER_FIELDS' | 'SLUICE_TENANT_FIELD' | 'SLUICE_TENANT_BINDINGS' | 'S3_OBJECT_TAGS'>,
): PipelineDerived {
  const bindings = parseTenantBindings(c.SLUICE_TENANT_BINDINGS);
  const tenantField = c.SLUICE_TENANT_FIELD;
  return {
    buckets: commaList(c.S3_BUCKET),
    filterFields: commaList([c.SLUICE_FILTER_FIELDS, tenantField ?? ''].join(',')),
    tenantField,
    tenantBindings: 'error' in bindings ? {} : bindings,
    objectTags: c.S3_OBJECT_TAGS === 'true',
  };
}

function isMetaName(name: string): boolean {
  return name.length <= MAX_META_NAME_CHARS && META_NAME.test(name);
}

/**
 * `alice=tenant-a, bob=tenant-b` → `{ alice: 'tenant-a', bob: 'tenant-b' }`. The tenant is
 * everything after the first `=` (user names may not hold one), and must be a value metadata
 * can hold: a user bound to a tenant no document can have would see nothing, silently.
 */
export function parseTenantBindings(spec: string): Record<string, string> | { error: string } {
  const bindings: Record<string, string> = {};
  for (const pair of commaList(spec)) {
    const at = pair.indexOf('=');
    const user = pair.slice(0, Math.max(0, at)).trim();
    const tenant = pair.slice(at + 1).trim();
    if (at < 1 || !user || !tenant) return { error: `${JSON.stringify(pair)} is not user=tenant` };
    if (metaProblem({ t: tenant }) !== undefined) return { error: `the tenant of ${user} is not a metadata value (at most ${MAX_META_VALUE_CHARS} characters, no control characters)` };
    if (user in bindings && bindings[user] !== tenant) return { error: `${user} is bound to two tenants` };
    bindings[user] = tenant;
  }
  return bindings;
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
