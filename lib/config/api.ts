/**
 * The API's configuration: the pipeline's and an embedding backend (it embeds queries), plus what
 * only the API reads: people's credentials and the tenants they are bound to, its dead-letter
 * sink and its reconcile with self-healing. The CLI shares {@link BasicAuthSchema}: it sends the first pair.
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
  /**
   * API users bound to one tenant, `user=tenant` pairs, comma-separated: such a user may only
   * search, and only sees documents whose tenant field (SLUICE_TENANT_FIELD) holds that tenant.
   */
  SLUICE_TENANT_BINDINGS: z.string().default(''),
});

export interface ApiDerived {
  /** API user → the one tenant it may see (SLUICE_TENANT_BINDINGS). */
  readonly tenantBindings: Readonly<Record<string, string>>;
}

export type ApiConfig = z.infer<typeof ApiSchema> & PipelineDerived & ApiDerived;

/** The embedding process's rules, and: tenant bindings name SLUICE_BASIC_AUTH users and need a tenant field. */
function checkApi(c: z.infer<typeof ApiSchema>, ctx: z.RefinementCtx): void {
  checkEmbedProcess(c, ctx);
  const issue = (message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['SLUICE_TENANT_BINDINGS'], message });
  const bindings = parseTenantBindings(c.SLUICE_TENANT_BINDINGS);
  if ('error' in bindings) return issue(bindings.error);
  if (Object.keys(bindings).length === 0) return;
  if (c.SLUICE_TENANT_FIELD === undefined) issue('binding users to tenants needs SLUICE_TENANT_FIELD');
  const users = new Set(commaList(c.SLUICE_BASIC_AUTH).map((pair) => pair.slice(0, Math.max(0, pair.indexOf(':')))));
  for (const user of Object.keys(bindings)) {
    if (!users.has(user)) issue(`${user} is not a SLUICE_BASIC_AUTH user`);
  }
}

export function loadApiConfig(env: Env = process.env): ApiConfig {
  const parsed = parseEnv(ApiSchema.superRefine(checkApi), env);
  const bindings = parseTenantBindings(parsed.SLUICE_TENANT_BINDINGS);
  return { ...parsed, ...derivePipeline(parsed), tenantBindings: 'error' in bindings ? {} : bindings };
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

