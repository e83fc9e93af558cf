/**
 * The local OIDC issuer as a process. Environment: OIDC_ISSUER (its own URL, e.g.
 * http://127.0.0.1:8186), OIDC_ISSUER_PORT, SLUICE_BIND, OIDC_ISSUER_DIR (keys and client
 * secrets, created when missing), OIDC_TOKEN_TTL_S (default 600).
 * `main.js init` only creates the state and exits (the stack scripts run it before starting
 * the components, which read their secret files).
 */
import { z } from 'zod';
import { createLogger } from '../../lib/log.js';
import { createIssuerApp } from './app.js';
import { loadIssuerState } from './state.js';

const log = createLogger('oidc-issuer');
const Env = z.object({
  OIDC_ISSUER: z.string().url(),
  OIDC_ISSUER_PORT: z.coerce.number().int().min(1).max(65535),
  OIDC_ISSUER_DIR: z.string().min(1),
  SLUICE_BIND: z.string().default('127.0.0.1'),
  OIDC_TOKEN_TTL_S: z.coerce.number().int().min(30).max(86_400).default(600),
});

try {
  const env = Env.parse(Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== '')));
  const state = await loadIssuerState(env.OIDC_ISSUER_DIR);
  if (process.argv[2] === 'init') process.exit(0);
  const app = createIssuerApp({ issuer: env.OIDC_ISSUER, state, tokenTtlSeconds: env.OIDC_TOKEN_TTL_S, log });
  const server = app.listen(env.OIDC_ISSUER_PORT, env.SLUICE_BIND, () => log.info({ issuer: env.OIDC_ISSUER, clients: [...state.clients.keys()] }, 'listening'));
  const stop = () => server.close(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} catch (err) {
  log.fatal({ err: (err as Error).message }, 'oidc issuer failed to start');
  process.exit(1);
}
