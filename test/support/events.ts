/**
 * Posting CloudEvents to the stack, as its real senders do: through the one emitter's binding,
 * with OIDC tokens from the stack's issuer.
 * - {@link postEvent}: to the broker ingress as the operator (`sluice-cli`), as a user would.
 * - {@link postDirect}: straight to a function or the API, as a sender that holds a valid token
 *   (by default the Broker's own identity: a compromised dispatcher) — what the attack tests use.
 */
import { join } from 'node:path';
import { HTTP, type CloudEvent } from 'cloudevents';
import { operatorTokens } from '../../lib/auth/from-config.js';
import { brokerAudience, serviceAudience, type LocalSender } from '../../lib/auth/identity.js';
import { clientCredentialsTokenSource } from '../../lib/auth/token-source.js';
import { readFileSync } from 'node:fs';
import { encodeHeaderValue, mapCeHeaders } from '../../lib/events/http.js';
import { config } from './stack.js';

export type EventMode = 'binary' | 'structured';

const dataDir = process.env.SLUICE_DATA_DIR ?? '.sluice';

/** A token of a local identity for an audience, from the stack's issuer. */
export async function tokenFor(identity: LocalSender, audience: string): Promise<string> {
  const clientSecret = readFileSync(join(dataDir, 'oidc', 'clients', `${identity}.secret`), 'utf8').trim();
  return clientCredentialsTokenSource({ issuer: config.OIDC_ISSUER!, clientId: identity, clientSecret }).token(audience);
}

const operator = () => operatorTokens(config, dataDir);

function message(event: CloudEvent<unknown>, mode: EventMode): { headers: Record<string, string>; body: string } {
  const m = (mode === 'binary' ? HTTP.binary : HTTP.structured)(event);
  return { headers: mapCeHeaders(m.headers, encodeHeaderValue), body: m.body as string };
}

/** POSTs one CloudEvent to the broker ingress and returns the response (as the operator unless `as`). */
export async function sendToBroker(event: CloudEvent<unknown>, mode: EventMode = 'binary', as: LocalSender | 'none' = 'sluice-cli'): Promise<Response> {
  const { headers, body } = message(event, mode);
  if (as !== 'none' && config.SLUICE_AUTH !== 'off') {
    headers.authorization = `Bearer ${as === 'sluice-cli' ? await operator()!.token(brokerAudience('sluice')) : await tokenFor(as, brokerAudience('sluice'))}`;
  }
  return fetch(config.BROKER_URL, { method: 'POST', headers, body });
}

/** POSTs one CloudEvent to the broker ingress in the given content mode; throws unless 202. */
export async function postEvent(event: CloudEvent<unknown>, mode: EventMode = 'binary', as: LocalSender = 'sluice-cli'): Promise<void> {
  const res = await sendToBroker(event, mode, as);
  if (res.status !== 202) throw new Error(`broker ingress answered ${res.status} to ${event.type} ${event.subject}: ${await res.text()}`);
}

/** The `Authorization` header of the operator for the broker ingress ({} with authentication off). */
export async function operatorAuthorization(): Promise<Record<string, string>> {
  const tokens = operator();
  return tokens ? { authorization: `Bearer ${await tokens.token(brokerAudience('sluice'))}` } : {};
}

export interface DirectOptions {
  mode?: EventMode;
  /** The sender's identity (default: the Broker's dispatchers), or `none` for no token at all. */
  as?: LocalSender | 'none';
  /** The receiving Service (its audience); default from the URL's port. */
  service?: string;
}

/** The Service behind a local port of the stack. */
function serviceAt(url: string): string {
  const port = Number(new URL(url).port);
  const byPort: Record<number, string> = { [config.SPLIT_PORT]: 'sluice-split', [config.EMBED_PORT]: 'sluice-embed', [config.INDEX_PORT]: 'sluice-index', [config.API_PORT]: 'sluice-api' };
  const service = byPort[port];
  if (!service) throw new Error(`no Sluice Service listens on ${url}; pass { service }`);
  return service;
}

/** POSTs one CloudEvent straight to a function or the API with a valid token; returns the response. */
export async function postDirect(url: string, event: CloudEvent<unknown>, options: DirectOptions | EventMode = {}): Promise<Response> {
  const opts: DirectOptions = typeof options === 'string' ? { mode: options } : options;
  const { headers, body } = message(event, opts.mode ?? 'binary');
  const as = opts.as ?? 'sluice-broker';
  if (as !== 'none' && config.SLUICE_AUTH !== 'off') headers.authorization = `Bearer ${await tokenFor(as, serviceAudience(opts.service ?? serviceAt(url)))}`;
  return fetch(url, { method: 'POST', headers, body });
}
