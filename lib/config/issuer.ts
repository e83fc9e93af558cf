/** The local OIDC issuer's configuration (local/oidc-issuer: one machine only). */
import { z } from 'zod';
import { BaseSchema } from './base.js';
import { parseEnv, port, type Env } from './env.js';

export const IssuerSchema = BaseSchema.extend({
  /** The issuer's own URL, the `iss` of every token (required here; optional for the processes that verify). */
  OIDC_ISSUER: z.string().url(),
  /** The issuer's port (the local stack: 8186). */
  OIDC_ISSUER_PORT: port(8186),
  /** Keys and one client secret per component, created when missing. */
  OIDC_ISSUER_DIR: z.string().min(1),
  /** Lifetime of the issued tokens, in seconds (senders refresh them before they expire). */
  OIDC_TOKEN_TTL_S: z.coerce.number().int().min(30).max(86_400).default(600),
});

export type IssuerConfig = z.infer<typeof IssuerSchema>;

export function loadIssuerConfig(env: Env = process.env): IssuerConfig {
  return parseEnv(IssuerSchema, env);
}
