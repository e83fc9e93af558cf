/**
 * The API's configuration: the pipeline's and an embedding backend (it embeds queries), plus what
 * only the API reads: people's credentials, its dead-letter sink and its reconcile with
 * self-healing. The CLI shares {@link BasicAuthSchema}: it sends the first pair.
 */
import { z } from 'zod';
import { checkEmbedProcess, EmbedProcessSchema } from './embedding.js';
import { nonNegativeInt, parseEnv, positiveInt, type Env } from './env.js';
import { derivePipeline, type PipelineDerived } from './pipeline.js';

/** People's credentials: the API checks them, the CLI (and the test suite) send the first pair. */
export const BasicAuthSchema = z.object({
  /** HTTP basic auth for the API: comma-separated `user:password` pairs; empty = off. */
  SLUICE_BASIC_AUTH: z.string().default(''),
});

export const ApiSchema = EmbedProcessSchema.merge(BasicAuthSchema).extend({
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

export type ApiConfig = z.infer<typeof ApiSchema> & PipelineDerived;

export function loadApiConfig(env: Env = process.env): ApiConfig {
  const parsed = parseEnv(ApiSchema.superRefine(checkEmbedProcess), env);
  return { ...parsed, ...derivePipeline(parsed) };
}
