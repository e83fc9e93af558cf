/**
 * Building a process's sender token source and receiver check from its configuration: the one
 * place that reads the OIDC settings (lib/config.ts documents each).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.js';
import { ConfigError } from '../config.js';
import type { Logger } from '../log.js';
import type { ReceiverAuth } from './http.js';
import { brokerAudience, NAMESPACE, serviceAudience, subjectOfRef, type ObjectRef } from './identity.js';
import { loadEventPolicies, policyFor } from './policy.js';
import { clientCredentialsTokenSource, fileTokenSource, type TokenSource } from './token-source.js';
import { createTokenVerifier, type TokenVerifier } from './verifier.js';

type AuthConfig = Pick<Config, 'SLUICE_AUTH' | 'OIDC_ISSUER' | 'OIDC_JWKS_URL' | 'OIDC_AUDIENCE' | 'OIDC_CLIENT_ID' | 'OIDC_CLIENT_SECRET_FILE' | 'OIDC_TOKEN_FILE' | 'SLUICE_EVENT_POLICIES'>;

/** The audience of a receiver: Knative's for a Broker, ours for a Service (see identity.ts). */
export function audienceOf(ref: ObjectRef): string {
  return ref.kind === 'Broker' ? brokerAudience(ref.name, ref.namespace) : serviceAudience(ref.name, ref.namespace);
}

function requireIssuer(config: AuthConfig): string {
  if (!config.OIDC_ISSUER) throw new ConfigError('OIDC_ISSUER is required when SLUICE_AUTH=oidc (the local stack sets it; SLUICE_AUTH=off turns authentication off)');
  return config.OIDC_ISSUER;
}

/** How this process gets tokens as a sender; undefined when authentication is off. */
export function senderTokens(config: AuthConfig): TokenSource | undefined {
  if (config.SLUICE_AUTH === 'off') return undefined;
  if (config.OIDC_TOKEN_FILE) return fileTokenSource(config.OIDC_TOKEN_FILE);
  // A cluster sender without a projected token: its receiver (eventing-rabbitmq) reads none.
  if (config.SLUICE_AUTH === 'network' && !config.OIDC_CLIENT_ID) return undefined;
  const issuer = requireIssuer(config);
  if (!config.OIDC_CLIENT_ID || !config.OIDC_CLIENT_SECRET_FILE) {
    throw new ConfigError('a sender needs OIDC_TOKEN_FILE, or OIDC_CLIENT_ID and OIDC_CLIENT_SECRET_FILE for the local issuer');
  }
  let clientSecret: string;
  try {
    clientSecret = readFileSync(config.OIDC_CLIENT_SECRET_FILE, 'utf8').trim();
  } catch (err) {
    throw new ConfigError(`cannot read OIDC_CLIENT_SECRET_FILE: ${(err as Error).message}`);
  }
  return clientCredentialsTokenSource({ issuer, clientId: config.OIDC_CLIENT_ID, clientSecret });
}

/** How this process checks senders as `receiver`; undefined when authentication is off. */
export function receiverAuth(config: AuthConfig, receiver: ObjectRef, log?: Logger): ReceiverAuth | undefined {
  if (config.SLUICE_AUTH === 'off') {
    log?.warn('SLUICE_AUTH=off: any process that can reach this port may send events to it');
    return undefined;
  }
  const issuer = requireIssuer(config);
  const policy = policyFor(receiver, loadEventPolicies(config.SLUICE_EVENT_POLICIES ?? defaultPoliciesPath()));
  if (!policy.hasPolicies) log?.warn({ receiver: receiver.name }, 'no EventPolicy names this receiver: every sender will be refused');
  const verify = createTokenVerifier({ issuer, audience: config.OIDC_AUDIENCE ?? audienceOf(receiver), ...(config.OIDC_JWKS_URL ? { jwksUrl: config.OIDC_JWKS_URL } : {}) });
  return {
    verify: config.SLUICE_AUTH === 'network' ? brokerWithoutToken(verify, receiver) : verify,
    policy,
    receiver: `${receiver.kind} ${receiver.name}`,
  };
}

/**
 * SLUICE_AUTH=network: a request without a token is the Broker's dispatcher (the NetworkPolicies
 * admit no other caller that lacks one); any token presented is still verified.
 */
function brokerWithoutToken(verify: TokenVerifier, receiver: ObjectRef): TokenVerifier {
  const broker = subjectOfRef({ kind: 'Broker', name: 'sluice', namespace: receiver.namespace ?? NAMESPACE });
  return (authorization) => (authorization === undefined ? Promise.resolve({ subject: broker }) : verify(authorization));
}

/** eventing/policies.yaml of the checkout (src or dist) this module runs from. */
export function defaultPoliciesPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'eventing', 'policies.yaml');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new ConfigError('cannot find eventing/policies.yaml; set SLUICE_EVENT_POLICIES');
    dir = parent;
  }
}

/**
 * The operator's sender identity (`sluice-cli`) on the local stack: the CLI and the test suite
 * read its secret from the stack's data directory, as `kubectl create token` would hand a person
 * a token in a cluster. OIDC_CLIENT_ID / OIDC_CLIENT_SECRET_FILE or OIDC_TOKEN_FILE override it.
 */
export function operatorTokens(config: AuthConfig, dataDir: string): TokenSource | undefined {
  return senderTokens({
    ...config,
    OIDC_CLIENT_ID: config.OIDC_CLIENT_ID ?? 'sluice-cli',
    OIDC_CLIENT_SECRET_FILE: config.OIDC_CLIENT_SECRET_FILE ?? join(dataDir, 'oidc', 'clients', 'sluice-cli.secret'),
  });
}
