/**
 * The local stack's OIDC issuer: what the Kubernetes API server's service-account issuer is to
 * Knative in a cluster. It publishes its keys where Kubernetes does (`/openid/v1/jwks`, with
 * OIDC discovery at `/.well-known/openid-configuration`) and issues short-lived tokens for one
 * audience to a registered client (OAuth 2.0 client credentials, RFC 6749 §4.4; the audience as
 * a parameter, as in RFC 8693). `sub` is the client's service account, as Kubernetes would put it.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import express from 'express';
import { SignJWT } from 'jose';
import { serviceAccountSubject } from '../../lib/auth/identity.js';
import type { Logger } from '../../lib/log.js';
import { SIGNING_ALG, type IssuerState } from './state.js';

export interface IssuerOptions {
  issuer: string;
  state: IssuerState;
  tokenTtlSeconds: number;
  log: Logger;
}

export function createIssuerApp({ issuer, state, tokenTtlSeconds, log }: IssuerOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  const base = issuer.replace(/\/+$/, '');

  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/.well-known/openid-configuration', (_req, res) => {
    res.json({
      issuer,
      jwks_uri: `${base}/openid/v1/jwks`,
      token_endpoint: `${base}/token`,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic'],
      id_token_signing_alg_values_supported: [SIGNING_ALG],
      subject_types_supported: ['public'],
    });
  });
  app.get('/openid/v1/jwks', (_req, res) => void res.set('Cache-Control', 'max-age=300').json({ keys: [state.publicJwk] }));

  app.post('/token', express.urlencoded({ extended: false, limit: '4kb' }), async (req, res) => {
    const client = clientOf(req.headers.authorization, state.clients);
    if (!client) {
      res.status(401).set('WWW-Authenticate', 'Basic realm="sluice-oidc"').json({ error: 'invalid_client' });
      return;
    }
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (body.grant_type !== 'client_credentials') {
      res.status(400).json({ error: 'unsupported_grant_type' });
      return;
    }
    const audience = body.audience;
    if (typeof audience !== 'string' || audience === '' || audience.length > 256) {
      res.status(400).json({ error: 'invalid_request', error_description: 'audience is required' });
      return;
    }
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: SIGNING_ALG, kid: state.publicJwk.kid!, typ: 'JWT' })
      .setIssuer(issuer)
      .setSubject(serviceAccountSubject(client))
      .setAudience(audience)
      .setIssuedAt()
      .setNotBefore('0s')
      .setExpirationTime(`${tokenTtlSeconds}s`)
      .setJti(randomUUID())
      .sign(state.privateKey);
    log.debug({ client, audience }, 'token issued');
    res.set('Cache-Control', 'no-store').json({ access_token: token, token_type: 'Bearer', expires_in: tokenTtlSeconds });
  });
  return app;
}

/** The client id whose secret the Basic credentials carry, compared in constant time. */
function clientOf(authorization: string | undefined, clients: ReadonlyMap<string, string>): string | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(authorization ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) return undefined;
  const id = decodeURIComponent(decoded.slice(0, colon));
  const secret = clients.get(id);
  if (secret === undefined) return undefined;
  const given = Buffer.from(decodeURIComponent(decoded.slice(colon + 1)));
  const wanted = Buffer.from(secret);
  return given.length === wanted.length && timingSafeEqual(given, wanted) ? id : undefined;
}
