/**
 * Configuration from environment variables, parsed once at start and typed: one base schema
 * (lib/config/base.ts) that each process's schema extends, values derived once (`buckets`,
 * `sinkUrl`, `subscribers`), one ConfigError. {@link PROCESS_CONFIGS} says which schema each
 * process reads, so `make validate` checks the manifests against the schemas themselves.
 */
import type { z } from 'zod';
import { ApiSchema, loadApiConfig } from './config/api.js';
import { BrokerSchema, loadBrokerConfig } from './config/broker.js';
import { CliSchema, loadCliConfig } from './config/cli.js';
import { EmbedProcessSchema, loadEmbedProcessConfig } from './config/embedding.js';
import type { Env } from './config/env.js';
import { loadConfig, PipelineSchema } from './config/pipeline.js';
import { IssuerSchema, loadIssuerConfig } from './config/issuer.js';
import { loadSourceConfig, SourceSchema } from './config/source.js';

export { ApiSchema, BasicAuthSchema, loadApiConfig, type ApiConfig } from './config/api.js';
export { BaseSchema, listenPort, type BaseConfig } from './config/base.js';
export { BrokerSchema, defaultSubscribers, loadBrokerConfig, type BrokerConfig } from './config/broker.js';
export { CliSchema, loadCliConfig, type CliConfig } from './config/cli.js';
export {
  DEFAULT_BATCH_SIZE,
  DEFAULT_MODEL_DIR,
  DEFAULT_MODEL_FILE,
  EmbeddingSchema,
  EmbedProcessSchema,
  loadEmbeddingConfig,
  loadEmbedProcessConfig,
  type EmbedProcessConfig,
  type EmbeddingConfig,
} from './config/embedding.js';
export { commaList, ConfigError, parseEnv, type Env } from './config/env.js';
export { deadLetterUrl, EVENT_ENVELOPE_BYTES, largestInlinePayload, loadConfig, PipelineSchema, StorageSchema, type Config } from './config/pipeline.js';
export { IssuerSchema, loadIssuerConfig, type IssuerConfig } from './config/issuer.js';
export { loadSourceConfig, SourceSchema, type SourceConfig } from './config/source.js';

/** A process's schema (its keys are every variable it reads) and its loader (with the cross-field rules). */
export interface ProcessConfig {
  readonly schema: z.ZodObject;
  readonly load: (env: Env) => unknown;
}

/**
 * How each process reads its environment, by image name (deploy/images.env) or process: every
 * variable a process reads is a key of its schema, and nothing else.
 */
export const PROCESS_CONFIGS: Readonly<Record<string, ProcessConfig>> = {
  split: { schema: PipelineSchema, load: loadConfig },
  embed: { schema: EmbedProcessSchema, load: loadEmbedProcessConfig },
  index: { schema: PipelineSchema, load: loadConfig },
  api: { schema: ApiSchema, load: loadApiConfig },
  'seaweedfs-source': { schema: SourceSchema, load: loadSourceConfig },
  broker: { schema: BrokerSchema, load: loadBrokerConfig },
  cli: { schema: CliSchema, load: loadCliConfig },
  'oidc-issuer': { schema: IssuerSchema, load: loadIssuerConfig },
};
