/**
 * Configuration from environment variables, parsed once at start and typed: one base schema
 * (lib/config/base.ts) that each process's schema extends, values derived once (`buckets`,
 * `sinkUrl`, `subscribers`), one ConfigError. {@link PROCESS_SCHEMAS} says which schema each
 * process reads, so `make validate` checks the manifests against the schemas themselves.
 */
import type { z } from 'zod';
import { BrokerSchema } from './config/broker.js';
import { CliSchema } from './config/cli.js';
import { EmbedProcessSchema } from './config/embedding.js';
import { PipelineSchema } from './config/pipeline.js';
import { SourceSchema } from './config/source.js';

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
export { loadSourceConfig, SourceSchema, type SourceConfig } from './config/source.js';

/**
 * The schema each process reads its whole environment with, by image name (deploy/images.env)
 * or process: every variable a process reads is a key of its schema, and nothing else.
 */
export const PROCESS_SCHEMAS: Readonly<Record<string, z.ZodObject>> = {
  split: PipelineSchema,
  embed: EmbedProcessSchema,
  index: PipelineSchema,
  api: EmbedProcessSchema,
  'seaweedfs-source': SourceSchema,
  broker: BrokerSchema,
  cli: CliSchema,
};
