/**
 * The SeaweedFS source's configuration. In the cluster it runs as a Knative ContainerSource,
 * which injects `K_SINK`; locally the sink falls back to `BROKER_URL`.
 */
import { z } from 'zod';
import { ObjectChangedData } from '../events/schemas.js';
import { BaseSchema } from './base.js';
import { commaList, parseEnv, type Env } from './env.js';

export const SourceSchema = BaseSchema.extend({
  /** Where to POST the events: the ContainerSource's sink (the Broker ingress). */
  K_SINK: z.string().optional(),
  /** Locally, the broker ingress when K_SINK is unset. */
  BROKER_URL: z.string().optional(),
  /** The filer's gRPC address. */
  SEAWEEDFS_FILER_GRPC: z.string().default('127.0.0.1:18888'),
  /** The buckets to watch, comma-separated (default: S3_BUCKET). */
  SEAWEEDFS_BUCKETS: z.string().optional(),
  S3_BUCKET: z.string().optional(),
  /** The filer's .proto (container images); default: the copy next to the source's code. */
  SEAWEEDFS_FILER_PROTO: z.string().optional(),
  /** Subscriber name at the filer and checkpoint key. */
  SOURCE_CLIENT_NAME: z.string().default('sluice-seaweedfs-source'),
  /** First run only: filer timestamp (ns) to start after; 0 = the whole log, so objects uploaded before the source ever ran are seen. */
  SOURCE_START_FROM_NS: z
    .string()
    .trim()
    .regex(/^\d{1,20}$/, 'must be a decimal integer')
    .default('0'),
  /** Keep the checkpoint in this file instead of the filer's KV store. */
  SOURCE_CHECKPOINT_FILE: z.string().optional(),
});

type SourceEnv = z.infer<typeof SourceSchema>;

export interface SourceDerived {
  /** K_SINK, else BROKER_URL. */
  readonly sinkUrl: string;
  /** SEAWEEDFS_BUCKETS, else S3_BUCKET, as a list: each a valid bucket name, each once. */
  readonly buckets: readonly string[];
}

export type SourceConfig = SourceEnv & SourceDerived;

function checkSource(c: SourceEnv, ctx: z.RefinementCtx): void {
  const sink = c.K_SINK ?? c.BROKER_URL;
  if (sink === undefined) ctx.addIssue({ code: 'custom', path: ['K_SINK'], message: 'K_SINK (or BROKER_URL) must be set' });
  else if (!URL.canParse(sink) || !/^https?:$/.test(new URL(sink).protocol)) ctx.addIssue({ code: 'custom', path: [c.K_SINK ? 'K_SINK' : 'BROKER_URL'], message: `invalid sink URL: ${sink}` });
  const buckets = commaList(c.SEAWEEDFS_BUCKETS ?? c.S3_BUCKET);
  if (buckets.length === 0) ctx.addIssue({ code: 'custom', path: ['SEAWEEDFS_BUCKETS'], message: 'SEAWEEDFS_BUCKETS (or S3_BUCKET) must name at least one bucket' });
  for (const b of buckets) {
    if (!ObjectChangedData.shape.bucket.safeParse(b).success) ctx.addIssue({ code: 'custom', path: ['SEAWEEDFS_BUCKETS'], message: `invalid bucket name: ${b}` });
  }
}

export function loadSourceConfig(env: Env = process.env): SourceConfig {
  const parsed = parseEnv(SourceSchema.superRefine(checkSource), env);
  return { ...parsed, sinkUrl: (parsed.K_SINK ?? parsed.BROKER_URL) as string, buckets: commaList(parsed.SEAWEEDFS_BUCKETS ?? parsed.S3_BUCKET) };
}
