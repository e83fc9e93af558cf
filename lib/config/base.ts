/**
 * What every Sluice process reads (functions, API, CLI, SeaweedFS source, local broker): where
 * it binds, its identity on event hops, tracing, logging, and the local stack's ports (the
 * default addresses one process uses to reach another). Each process's schema extends this one.
 */
import { z } from 'zod';
import { port, positiveInt } from './env.js';

export const BaseSchema = z.object({
  /** The address every local server binds to; loopback by default. */
  SLUICE_BIND: z.string().default('127.0.0.1'),
  /** pino level: trace, debug, info, warn, error, fatal or silent. */
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  /** Knative sets $PORT; locally each function has its own variable (see listenPort). */
  PORT: z.coerce.number().int().optional(),
  /** The local ports of split, embed, index and the API (Knative's $PORT wins). */
  SPLIT_PORT: port(8181),
  EMBED_PORT: port(8182),
  INDEX_PORT: port(8183),
  API_PORT: port(8184),
  /** The SeaweedFS source's /metrics port (it has no other HTTP endpoint). */
  SOURCE_METRICS_PORT: port(8185),
  /** Largest CloudEvent the broker ingress accepts (read by the broker; cross-checked by the pipeline). */
  BROKER_MAX_EVENT_BYTES: positiveInt(1024 * 1024),
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
});

export type BaseConfig = z.infer<typeof BaseSchema>;

/** Knative sets $PORT; locally each function has its own variable. */
export function listenPort(config: Pick<BaseConfig, 'PORT'>, ownPort: number): number {
  return config.PORT ?? ownPort;
}
