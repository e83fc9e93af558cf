/**
 * Configuration from environment variables, parsed once and typed. Every variable and its
 * default is also listed in `.env.example`; the defaults here match it so a process started
 * without the stack scripts still behaves like the documented set-up.
 */
import { z } from 'zod';

const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const ConfigSchema = z.object({
  S3_ENDPOINT: z.string().url().default('http://127.0.0.1:8333'),
  S3_REGION: z.string().default('us-east-1'),
  S3_BUCKET: z.string().default('documents'),
  S3_PIPELINE_BUCKET: z.string().default('sluice-pipeline'),
  AWS_ACCESS_KEY_ID: z.string().default('sluice'),
  AWS_SECRET_ACCESS_KEY: z.string().default('sluice-local-secret'),
  QDRANT_URL: z.string().url().default('http://127.0.0.1:6333'),
  QDRANT_API_KEY: z.string().optional(),
  QDRANT_COLLECTION: z.string().default('sluice'),
  BROKER_URL: z.string().url().default('http://127.0.0.1:8180/'),
  /** The Broker's dead-letter sink, where functions park schema-invalid events; see deadLetterUrl. */
  DEAD_LETTER_URL: z.string().url().optional(),
  SLUICE_BIND: z.string().default('127.0.0.1'),
  /** HTTP basic auth for the API: comma-separated `user:password` pairs; empty = off. */
  SLUICE_BASIC_AUTH: z.string().default(''),
  PORT: z.coerce.number().int().optional(),
  SPLIT_PORT: port(8181),
  EMBED_PORT: port(8182),
  INDEX_PORT: port(8183),
  API_PORT: port(8184),
  CHUNK_SIZE: positiveInt(1000),
  CHUNK_OVERLAP: z.coerce.number().int().nonnegative().default(150),
  CLAIM_CHECK_THRESHOLD_BYTES: positiveInt(65536),
  MAX_OBJECT_BYTES: positiveInt(100 * 1024 * 1024),
  MAX_CHUNKS_PER_DOCUMENT: positiveInt(20000),
  MAX_PAGES: positiveInt(2000),
  /**
   * Vector length of the embedding model (all-MiniLM-L6-v2: 384). index refuses vectors of any
   * other length before it writes or creates the collection; embed refuses to run with a model
   * that disagrees.
   */
  EMBED_DIMENSION: positiveInt(384),
  /** Largest claim-check object embed and index read; unset: derived from the chunk limits (lib/documents/verify.ts). */
  MAX_CLAIM_BYTES: z.coerce.number().int().positive().optional(),
  /** Largest CloudEvent (request body) a function accepts; larger is 413. */
  MAX_EVENT_BYTES: positiveInt(1024 * 1024),
  /** SIGTERM: how long in-flight events may run before the process exits (under Knative's 30 s). */
  SHUTDOWN_GRACE_MS: z.coerce.number().int().nonnegative().default(25_000),
  /**
   * Sender identity on every event hop (lib/auth): `oidc` (default) makes every receiver verify
   * an OIDC token and enforce eventing/policies.yaml, and every sender present one. `network` is
   * for a cluster whose broker cannot present tokens (eventing-rabbitmq): a request without a
   * token is taken to come from the Broker's dispatchers, which the NetworkPolicies make the only
   * such caller, and is held to the Broker's EventPolicy; a token, when sent, is verified as
   * ever. `off` is for a process run on its own during development, and warns at start.
   */
  SLUICE_AUTH: z.enum(['oidc', 'network', 'off']).default('oidc'),
  /** The token issuer: the local stack's (local/oidc-issuer), or the cluster's service-account issuer. */
  OIDC_ISSUER: z.string().url().optional(),
  /** Its published keys; default `<OIDC_ISSUER>/openid/v1/jwks`. */
  OIDC_JWKS_URL: z.string().url().optional(),
  /** The audience this process answers to as a receiver (default derived from its name). */
  OIDC_AUDIENCE: z.string().optional(),
  /** Sender credentials at the local issuer: client id (a service account name) and a file holding its secret. */
  OIDC_CLIENT_ID: z.string().optional(),
  OIDC_CLIENT_SECRET_FILE: z.string().optional(),
  /** In a cluster: a projected service-account token file, used instead of client credentials. */
  OIDC_TOKEN_FILE: z.string().optional(),
  /** The EventPolicy file(s) receivers enforce (default: the repository's eventing/policies.yaml). */
  SLUICE_EVENT_POLICIES: z.string().optional(),
  /** Knative sets it to the Service's name: the receiver EventPolicies name in `to`. */
  K_SERVICE: z.string().optional(),
  /** Where spans go: none (propagate trace context only), console, otlp. */
  OTEL_TRACES_EXPORTER: z.enum(['none', 'console', 'otlp']).default('none'),
  /** OTLP/HTTP collector base URL, read by the exporter itself (`/v1/traces` is appended). */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  /** The SeaweedFS source's /metrics port (it has no other HTTP endpoint). */
  SOURCE_METRICS_PORT: port(8185),
  MAX_EXTRACTED_CHARS: positiveInt(10_000_000),
  MAX_INFLATE_RATIO: positiveInt(100),
  MAX_NESTING_DEPTH: positiveInt(1000),
  /** Entries a zip container (DOCX, PPTX, XLSX, OpenDocument, EPUB) may have (`too_many_parts`). */
  MAX_ZIP_ENTRIES: positiveInt(5000),
  SPLIT_DEADLINE_MS: positiveInt(60_000),
  SPLIT_WORKER_MAX_MB: positiveInt(256),
  /** All writable memory of one parser process (RLIMIT_DATA), in MiB; default heap cap + 1024. */
  SPLIT_WORKER_MAX_DATA_MB: z.coerce.number().int().positive().optional(),
  SPLIT_WORKERS: positiveInt(2),
  /** embed: how long a lone chunk batch may wait for others to share one model run (ms). */
  EMBED_LINGER_MS: z.coerce.number().int().nonnegative().default(10),
  /** Largest CloudEvent the broker ingress accepts (read by the broker; cross-checked here). */
  BROKER_MAX_EVENT_BYTES: positiveInt(1024 * 1024),
  /** How far ahead of our clock a status cycle time may be before it is refused. */
  STATUS_MAX_CLOCK_SKEW_S: z.coerce.number().int().nonnegative().default(300),
  /** Largest dead letter the API's sink stores; larger is 413. */
  DEAD_LETTER_MAX_BYTES: positiveInt(256 * 1024),
  /** Dead letters older than this are deleted. */
  DEAD_LETTER_TTL_HOURS: positiveInt(7 * 24),
  /** At most this many dead letters are kept; the oldest are evicted. */
  DEAD_LETTER_MAX_COUNT: positiveInt(10_000),
  /** The API runs reconcile every this many seconds (0 = never; the cluster uses a PingSource). */
  RECONCILE_INTERVAL_S: z.coerce.number().int().nonnegative().default(300),
  /** Self-healing: first wait before reconcile re-requests a dead-lettered document; doubles each attempt. */
  HEAL_BACKOFF_BASE_S: z.coerce.number().int().nonnegative().default(60),
  /** Self-healing: the longest wait between two re-requests of one document. */
  HEAL_BACKOFF_MAX_S: positiveInt(6 * 3600),
  /** Claim-check objects older than this are deleted by reconcile (any left behind). */
  CLAIM_MAX_AGE_HOURS: positiveInt(24),
});

/**
 * Room a claim-checked-sized payload needs beyond its JSON: the event's attributes and the
 * document reference around it, and a base64 re-encoding (4/3) when a hop carries the data as
 * `data_base64` (structured mode with a non-JSON content type, or a dead letter).
 */
export const EVENT_ENVELOPE_BYTES = 16 * 1024;

export function largestInlinePayload(eventLimitBytes: number): number {
  return Math.floor(((eventLimitBytes - EVENT_ENVELOPE_BYTES) * 3) / 4);
}

/** Cross-field rules: a payload kept inline must fit every event limit it travels under. */
const CheckedConfigSchema = ConfigSchema.superRefine((c, ctx) => {
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
});

export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings in .env mean "not set": treat them as absent so defaults apply.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = CheckedConfigSchema.safeParse(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  return parsed.data;
}

/** DEAD_LETTER_URL, or locally the API's sink on API_PORT (the Broker's deadLetterSink). */
export function deadLetterUrl(config: Config): string {
  return config.DEAD_LETTER_URL ?? `http://127.0.0.1:${config.API_PORT}/dead-letters`;
}

/** Knative sets $PORT; locally each function has its own variable. */
export function listenPort(config: Config, ownPort: number): number {
  return config.PORT ?? ownPort;
}
