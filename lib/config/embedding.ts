/**
 * The embedding backend's configuration (embed and the API, which embeds queries): which
 * backend, and its model files or its server.
 */
import { z } from 'zod';
import { httpUrl, parseEnv, type Env } from './env.js';
import { checkPipeline, derivePipeline, PipelineSchema, type Config } from './pipeline.js';

/** The model directory used when SLUICE_MODEL_DIR is unset, relative to the working directory. */
export const DEFAULT_MODEL_DIR = '.sluice/model';

/**
 * The graph used when EMBED_MODEL_FILE is unset: the int8 variant, 1.4× more chunks per CPU
 * second than fp32 and a quarter of its size, with vectors that agree with fp32 (mean cosine
 * >= 0.99, checked by onnx.test.ts).
 */
export const DEFAULT_MODEL_FILE = 'model_int8.onnx';

/** Texts per model run when EMBED_BATCH_SIZE is unset (the ONNX backend's default). */
export const DEFAULT_BATCH_SIZE = 8;

// Digits only: Number('1e3') and Number(' ') would slip through a plain coercion.
const digits = (min: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `must be an integer >= ${min}`)
    .transform(Number)
    .refine((n) => n >= min, `must be an integer >= ${min}`)
    .optional();

export const EmbeddingSchema = z.object({
  /** `onnx` (in-process all-MiniLM-L6-v2) or `openai` (an OpenAI-compatible `/v1/embeddings`). */
  EMBED_BACKEND: z.enum(['onnx', 'openai']).default('onnx'),
  /** onnx: the converted model's directory, relative to the working directory. */
  SLUICE_MODEL_DIR: z.string().default(DEFAULT_MODEL_DIR),
  /** onnx: the graph in SLUICE_MODEL_DIR (`model.onnx` for fp32). */
  EMBED_MODEL_FILE: z.string().default(DEFAULT_MODEL_FILE),
  /** onnx: intra-op threads (0 = onnxruntime's default). */
  EMBED_THREADS: digits(0),
  /** Texts per backend call (onnx default 8, openai 32) and per micro-batch. */
  EMBED_BATCH_SIZE: digits(1),
  /** openai: the server's base URL and model (both required), and its key. */
  EMBED_API_URL: httpUrl('EMBED_API_URL must be an http(s) URL').optional(),
  /** openai: the model name sent with each request. */
  EMBED_API_MODEL: z.string().optional(),
  /** openai: sent as a bearer token. */
  EMBED_API_KEY: z.string().optional(),
});

export type EmbeddingConfig = z.infer<typeof EmbeddingSchema>;

export function checkEmbedding(c: EmbeddingConfig, ctx: z.RefinementCtx): void {
  if (c.EMBED_BACKEND === 'openai' && (c.EMBED_API_URL === undefined || c.EMBED_API_MODEL === undefined)) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['EMBED_BACKEND'], message: 'EMBED_BACKEND=openai needs EMBED_API_URL and EMBED_API_MODEL' });
  }
}

/** The embedding variables alone (a benchmark, a tool). */
export function loadEmbeddingConfig(env: Env = process.env): EmbeddingConfig {
  return parseEnv(EmbeddingSchema.superRefine(checkEmbedding), env);
}

/** embed and the API: the pipeline and an embedding backend. */
export const EmbedProcessSchema = PipelineSchema.merge(EmbeddingSchema);

export type EmbedProcessConfig = Config & EmbeddingConfig;

/** The cross-field rules of a process that embeds: the pipeline's and the backend's. */
export function checkEmbedProcess(c: z.infer<typeof EmbedProcessSchema>, ctx: z.RefinementCtx): void {
  checkPipeline(c, ctx);
  checkEmbedding(c, ctx);
}

export function loadEmbedProcessConfig(env: Env = process.env): EmbedProcessConfig {
  const parsed = parseEnv(EmbedProcessSchema.superRefine(checkEmbedProcess), env);
  return { ...parsed, ...derivePipeline(parsed) };
}
