/**
 * The local OIDC issuer as a process; its environment is lib/config/issuer.ts.
 * `main.js init` only creates the state and exits (the stack scripts run it before starting
 * the components, which read their secret files).
 */
import { loadIssuerConfig } from '../../lib/config.js';
import { createLogger } from '../../lib/log.js';
import { createIssuerApp } from './app.js';
import { loadIssuerState } from './state.js';

const log = createLogger('oidc-issuer');
try {
  const env = loadIssuerConfig();
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
