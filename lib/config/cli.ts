/** The CLI's configuration: the pipeline's (it uploads to S3 and talks to the API) and its own. */
import { z } from 'zod';
import { BasicAuthSchema } from './api.js';
import { parseEnv, type Env } from './env.js';
import { checkPipeline, derivePipeline, PipelineSchema, type PipelineDerived } from './pipeline.js';

export const CliSchema = PipelineSchema.merge(BasicAuthSchema).extend({
  /** The API the CLI talks to; default `http://127.0.0.1:<API_PORT>`. */
  SLUICE_API_URL: z.string().url().optional(),
  /** The local stack's data directory (read before anything else, from .env too: cli/env.ts). */
  SLUICE_DATA_DIR: z.string().default('.sluice'),
  /** Set: print stack traces of unexpected errors. */
  SLUICE_DEBUG: z.string().optional(),
});

export type CliConfig = z.infer<typeof CliSchema> & PipelineDerived;

export function loadCliConfig(env: Env = process.env): CliConfig {
  const parsed = parseEnv(CliSchema.superRefine(checkPipeline), env);
  return { ...parsed, ...derivePipeline(parsed) };
}
