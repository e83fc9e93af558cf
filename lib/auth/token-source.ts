/**
 * Where a sender gets the OIDC token it presents to a receiver (`Authorization: Bearer …`).
 *
 * - Locally: the stack's issuer (local/oidc-issuer), OAuth 2.0 client credentials (RFC 6749
 *   §4.4) with the audience as a parameter, as Knative's token provider asks the Kubernetes
 *   TokenRequest API for a token of one audience.
 * - In a cluster: a projected service-account token file (`OIDC_TOKEN_FILE`), which the kubelet
 *   refreshes; its audience is fixed by the volume.
 * Tokens are cached until shortly before they expire, so a hop costs no extra round trip.
 */
import { readFile } from 'node:fs/promises';
import { decodeJwt } from 'jose';
import { TokenUnavailableError } from './errors.js';

export interface TokenSource {
  /** A token for `audience`; throws {@link TokenUnavailableError}. */
  token(audience: string): Promise<string>;
}

export interface ClientCredentialsOptions {
  /** The issuer's base URL; the token endpoint is `<issuer>/token`. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Refresh this long before expiry (default 60 s). */
  refreshBeforeMs?: number;
  timeoutMs?: number;
}

export function clientCredentialsTokenSource(options: ClientCredentialsOptions): TokenSource {
  const cache = new Map<string, { token: string; refreshAt: number }>();
  const inFlight = new Map<string, Promise<string>>();
  const refreshBeforeMs = options.refreshBeforeMs ?? 60_000;
  const endpoint = new URL('token', options.issuer.endsWith('/') ? options.issuer : `${options.issuer}/`);
  const basic = `Basic ${Buffer.from(`${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`).toString('base64')}`;

  async function request(audience: string): Promise<string> {
    let res: Response;
    try {
      res = await fetch(endpoint, {
        method: 'POST',
        headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', audience }).toString(),
        signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
      });
    } catch (err) {
      throw new TokenUnavailableError(`cannot reach the OIDC issuer at ${endpoint.origin}: ${(err as Error).message}`, { cause: err });
    }
    const body = (await res.json().catch(() => ({}))) as { access_token?: unknown; expires_in?: unknown; error?: unknown };
    if (!res.ok || typeof body.access_token !== 'string') {
      throw new TokenUnavailableError(`the OIDC issuer refused a token for ${options.clientId} (audience ${audience}): ${res.status} ${String(body.error ?? '')}`);
    }
    const expiresInMs = typeof body.expires_in === 'number' ? body.expires_in * 1000 : 300_000;
    cache.set(audience, { token: body.access_token, refreshAt: Date.now() + Math.max(expiresInMs / 2, expiresInMs - refreshBeforeMs) });
    return body.access_token;
  }

  return {
    async token(audience) {
      const cached = cache.get(audience);
      if (cached && Date.now() < cached.refreshAt) return cached.token;
      // Concurrent deliveries share one request.
      let pending = inFlight.get(audience);
      if (!pending) {
        pending = request(audience).finally(() => inFlight.delete(audience));
        inFlight.set(audience, pending);
      }
      return pending;
    },
  };
}

/**
 * A projected service-account token (Kubernetes `serviceAccountToken` volume source). The file
 * holds a token for one audience; asking for another is a configuration error, said plainly.
 */
export function fileTokenSource(path: string): TokenSource {
  return {
    async token(audience) {
      let token: string;
      try {
        token = (await readFile(path, 'utf8')).trim();
      } catch (err) {
        throw new TokenUnavailableError(`cannot read the service-account token ${path}: ${(err as Error).message}`, { cause: err });
      }
      const claims = decodeJwt(token);
      const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
      if (!audiences.includes(audience)) {
        throw new TokenUnavailableError(`the token in ${path} is for ${audiences.join(', ')}, not ${audience}: project one for that audience`);
      }
      return token;
    },
  };
}
