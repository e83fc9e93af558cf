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
  /** Largest CloudEvent (request body) a function accepts; larger is 413. */
  MAX_EVENT_BYTES: positiveInt(1024 * 1024),
  /** SIGTERM: how long in-flight events may run before the process exits (under Knative's 30 s). */
  SHUTDOWN_GRACE_MS: z.coerce.number().int().nonnegative().default(25_000),
  /** Where spans go: none (propagate trace context only), console, otlp. */
  OTEL_TRACES_EXPORTER: z.enum(['none', 'console', 'otlp']).default('none'),
  /** OTLP/HTTP collector base URL, read by the exporter itself (`/v1/traces` is appended). */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  /** The SeaweedFS source's /metrics port (it has no other HTTP endpoint). */
  SOURCE_METRICS_PORT: port(8185),
  MAX_EXTRACTED_CHARS: positiveInt(10_000_000),
  MAX_INFLATE_RATIO: positiveInt(100),
  MAX_NESTING_DEPTH: positiveInt(1000),
  SPLIT_DEADLINE_MS: positiveInt(60_000),
  SPLIT_WORKER_MAX_MB: positiveInt(256),
  /** All writable memory of one parser process (RLIMIT_DATA), in MiB; default heap cap + 1024. */
  SPLIT_WORKER_MAX_DATA_MB: z.coerce.number().int().positive().optional(),
  SPLIT_WORKERS: positiveInt(2),
  /** embed: how long a lone chunk batch may wait for others to share one model run (ms). */
  EMBED_LINGER_MS: z.coerce.number().int().nonnegative().default(10),
});

export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings in .env mean "not set": treat them as absent so defaults apply.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = ConfigSchema.safeParse(cleaned);
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
