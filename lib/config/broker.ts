/**
 * The local broker's configuration (the stand-in for eventing-rabbitmq's ingress and
 * dispatchers on one machine).
 */
import { z } from 'zod';
import { BaseSchema, type BaseConfig } from './base.js';
import { parseEnv, type Env } from './env.js';

export const BrokerSchema = BaseSchema.extend({
  /** Its path is the vhost. */
  RABBITMQ_URL: z.string().default('amqp://guest:guest@127.0.0.1:5672'),
  /** The ingress port (0: any free one). */
  BROKER_PORT: z.coerce.number().int().min(0).max(65535).default(8180),
  /** The manifests the cluster applies; default `<SLUICE_ROOT>/eventing`. */
  BROKER_EVENTING_DIR: z.string().optional(),
  /** The checkout holding `eventing/`; default found by walking up from the broker's code. */
  SLUICE_ROOT: z.string().optional(),
  /** Service name → local URL, `sluice-split=http://127.0.0.1:8181,...`; default: see `subscribers`. */
  BROKER_SUBSCRIBERS: z.string().optional(),
  /** How long SIGTERM waits for in-flight deliveries before leaving them to redelivery. */
  BROKER_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(3_600_000).default(20_000),
  // The broker checks its own limit's range (an int32 for amqplib).
  BROKER_MAX_EVENT_BYTES: z.coerce.number().int().min(1).max(2 ** 31).default(1024 * 1024),
});

type BrokerEnv = z.infer<typeof BrokerSchema>;

export interface BrokerDerived {
  /** BROKER_SUBSCRIBERS, or the four Sluice Services on SPLIT/EMBED/INDEX/API_PORT: the one default. */
  readonly subscribers: string;
}

export type BrokerConfig = BrokerEnv & BrokerDerived;

export function defaultSubscribers(c: Pick<BaseConfig, 'SPLIT_PORT' | 'EMBED_PORT' | 'INDEX_PORT' | 'API_PORT'>): string {
  return [
    `sluice-split=http://127.0.0.1:${c.SPLIT_PORT}`,
    `sluice-embed=http://127.0.0.1:${c.EMBED_PORT}`,
    `sluice-index=http://127.0.0.1:${c.INDEX_PORT}`,
    `sluice-api=http://127.0.0.1:${c.API_PORT}`,
  ].join(',');
}

export function loadBrokerConfig(env: Env = process.env): BrokerConfig {
  const parsed = parseEnv(BrokerSchema, env);
  return { ...parsed, subscribers: parsed.BROKER_SUBSCRIBERS ?? defaultSubscribers(parsed) };
}
