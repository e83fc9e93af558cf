/**
 * The API's configuration: the pipeline's and an embedding backend (it embeds queries), plus what
 * only the API reads: people's credentials, who of them is read-only and the tenants they are
 * bound to, its dead-letter sink, its reconcile with self-healing, and the console's uploads and
 * pipeline view. The CLI shares {@link BasicAuthSchema}: it sends the first pair.
 */
import { z } from 'zod';
import { checkEmbedProcess, EmbedProcessSchema } from './embedding.js';
import { MAX_META_VALUE_CHARS, metaProblem } from '../documents/metadata.js';
import { commaList, nonNegativeInt, parseEnv, positiveInt, type Env } from './env.js';
import { derivePipeline, type PipelineDerived } from './pipeline.js';

/** People's credentials: the API checks them, the CLI (and the test suite) send the first pair. */
export const BasicAuthSchema = z.object({
  /** HTTP basic auth for the API: comma-separated `user:password` pairs; empty = off. */
  SLUICE_BASIC_AUTH: z.string().default(''),
});

export const ApiSchema = EmbedProcessSchema.merge(BasicAuthSchema).extend({
  /**
   * Users of SLUICE_BASIC_AUTH (comma-separated names) who may search and view but not upload,
   * delete, re-ingest, replay or reconcile (403).
   */
  SLUICE_READ_ONLY_USERS: z.string().default(''),
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
  /** The S3 address browsers upload to with presigned URLs (the page's CSP allows it); default S3_ENDPOINT. */
  S3_PUBLIC_ENDPOINT: z.string().url().optional(),
  /** How long a presigned upload URL is valid, in seconds. */
  UPLOAD_URL_TTL_S: positiveInt(900).refine((s) => s <= 7 * 24 * 3600, 'at most 7 days (the S3 limit)'),
  /**
   * The components' /metrics the pipeline view samples, `name=url,...` (`none` = only the API's own
   * numbers); default: split, embed, index and the broker of the local stack, none under Knative.
   */
  PIPELINE_METRICS_TARGETS: z.string().optional(),
  /** The pipeline view samples every this many seconds (0 = never). */
  PIPELINE_SAMPLE_INTERVAL_S: nonNegativeInt(5),
  /** Samples the pipeline view keeps (its charts span samples x interval). */
  PIPELINE_SAMPLES: positiveInt(120),
  /**
   * API users bound to one tenant, `user=tenant` pairs, comma-separated: such a user may only
   * search, and only sees documents whose tenant field (SLUICE_TENANT_FIELD) holds that tenant.
   */
  SLUICE_TENANT_BINDINGS: z.string().default(''),
});

export interface ApiDerived {
  /** SLUICE_READ_ONLY_USERS as a list; every name is a user of SLUICE_BASIC_AUTH. */
  readonly readOnlyUsers: readonly string[];
  /** The components' /metrics to sample, by name. */
  readonly metricsTargets: readonly { name: string; url: string }[];
  /** API user → the one tenant it may see (SLUICE_TENANT_BINDINGS). */
  readonly tenantBindings: Readonly<Record<string, string>>;
}

export type ApiConfig = z.infer<typeof ApiSchema> & PipelineDerived & ApiDerived;

function checkApi(c: z.infer<typeof ApiSchema>, ctx: z.RefinementCtx): void {
  // A read-only user that is not a basic-auth user is a typo that would leave nobody read-only.
  const readOnly = commaList(c.SLUICE_READ_ONLY_USERS);
  // The user names of SLUICE_BASIC_AUTH (lib/http/basic-auth.ts checks the pairs themselves).
  const users = commaList(c.SLUICE_BASIC_AUTH).map((pair) => pair.slice(0, Math.max(0, pair.indexOf(':'))));
  const unknown = readOnly.filter((name) => !users.includes(name));
  if (unknown.length > 0) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['SLUICE_READ_ONLY_USERS'], message: `${unknown.join(', ')} not among the SLUICE_BASIC_AUTH users` });
  } else if (readOnly.length > 0 && users.every((name) => readOnly.includes(name))) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['SLUICE_READ_ONLY_USERS'], message: 'every SLUICE_BASIC_AUTH user is read-only: nobody could upload, replay or reconcile' });
  }
  checkTenantBindings(c, ctx, users);
  if (c.PIPELINE_METRICS_TARGETS !== undefined) {
    try {
      parseMetricsTargets(c.PIPELINE_METRICS_TARGETS);
    } catch (err) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['PIPELINE_METRICS_TARGETS'], message: (err as Error).message });
    }
  }
}

/** Tenant bindings name SLUICE_BASIC_AUTH users and need a tenant field. */
function checkTenantBindings(c: z.infer<typeof ApiSchema>, ctx: z.RefinementCtx, users: readonly string[]): void {
  const issue = (message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['SLUICE_TENANT_BINDINGS'], message });
  const bindings = parseTenantBindings(c.SLUICE_TENANT_BINDINGS);
  if ('error' in bindings) return issue(bindings.error);
  if (Object.keys(bindings).length === 0) return;
  if (c.SLUICE_TENANT_FIELD === undefined) issue('binding users to tenants needs SLUICE_TENANT_FIELD');
  for (const user of Object.keys(bindings)) {
    if (!users.includes(user)) issue(`${user} is not a SLUICE_BASIC_AUTH user`);
  }
}

/** `split=http://127.0.0.1:8181/metrics,...`; names are what the pipeline view shows. */
export function parseMetricsTargets(spec: string): { name: string; url: string }[] {
  if (spec.trim() === 'none') return [];
  return commaList(spec).map((pair) => {
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const url = pair.slice(eq + 1).trim();
    if (eq < 1 || !/^[a-z][a-z0-9-]{0,39}$/.test(name) || !/^https?:\/\//.test(url)) {
      throw new Error(`"${pair}" is not name=http(s)://host:port/metrics`);
    }
    return { name, url: new URL(url).href };
  });
}

/** The local stack's components: each function on its port, the broker at BROKER_URL's origin. */
export function localMetricsTargets(c: Pick<z.infer<typeof ApiSchema>, 'SPLIT_PORT' | 'EMBED_PORT' | 'INDEX_PORT' | 'BROKER_URL'>): { name: string; url: string }[] {
  return [
    { name: 'split', url: `http://127.0.0.1:${c.SPLIT_PORT}/metrics` },
    { name: 'embed', url: `http://127.0.0.1:${c.EMBED_PORT}/metrics` },
    { name: 'index', url: `http://127.0.0.1:${c.INDEX_PORT}/metrics` },
    { name: 'broker', url: new URL('/metrics', c.BROKER_URL).href },
  ];
}

export function loadApiConfig(env: Env = process.env): ApiConfig {
  const parsed = parseEnv(
    ApiSchema.superRefine((c, ctx) => {
      checkEmbedProcess(c, ctx);
      checkApi(c, ctx);
    }),
    env,
  );
  // Under Knative (K_SERVICE set) a scrape would keep scaled-to-zero functions awake; Prometheus has their numbers.
  const metricsTargets =
    parsed.PIPELINE_METRICS_TARGETS !== undefined ? parseMetricsTargets(parsed.PIPELINE_METRICS_TARGETS) : parsed.K_SERVICE !== undefined ? [] : localMetricsTargets(parsed);
  const bindings = parseTenantBindings(parsed.SLUICE_TENANT_BINDINGS);
  return {
    ...parsed,
    ...derivePipeline(parsed),
    readOnlyUsers: commaList(parsed.SLUICE_READ_ONLY_USERS),
    metricsTargets,
    tenantBindings: 'error' in bindings ? {} : bindings,
  };
}

/**
 * `alice=tenant-a, bob=tenant-b` → `{ alice: 'tenant-a', bob: 'tenant-b' }`. The tenant is
 * everything after the first `=` (user names may not hold one), and must be a value metadata
 * can hold: a user bound to a tenant no document can have would see nothing, silently.
 */
export function parseTenantBindings(spec: string): Record<string, string> | { error: string } {
  const bindings: Record<string, string> = {};
  for (const pair of commaList(spec)) {
    const at = pair.indexOf('=');
    const user = pair.slice(0, Math.max(0, at)).trim();
    const tenant = pair.slice(at + 1).trim();
    if (at < 1 || !user || !tenant) return { error: `${JSON.stringify(pair)} is not user=tenant` };
    if (metaProblem({ t: tenant }) !== undefined) return { error: `the tenant of ${user} is not a metadata value (at most ${MAX_META_VALUE_CHARS} characters, no control characters)` };
    if (user in bindings && bindings[user] !== tenant) return { error: `${user} is bound to two tenants` };
    bindings[user] = tenant;
  }
  return bindings;
}

