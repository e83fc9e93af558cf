/**
 * HTTP basic auth for our Express services, configured like Traefik's basicAuth middleware in
 * the cluster: a list of `user:password` pairs (SLUICE_BASIC_AUTH, comma-separated; empty = no
 * authentication). Passwords are compared in constant time by express-basic-auth.
 */
import basicAuth from 'express-basic-auth';
import type { RequestHandler } from 'express';

export type Credentials = Readonly<Record<string, string>>;

export class BasicAuthConfigError extends Error {
  override readonly name = 'BasicAuthConfigError';
}

/**
 * Parses `user:password,user2:password2`. The password is everything after the first colon (it
 * may contain colons); user names may not. Empty input means authentication is off.
 */
export function parseBasicAuthUsers(spec: string | undefined): Credentials | undefined {
  const pairs = (spec ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  if (pairs.length === 0) return undefined;
  const users: Record<string, string> = {};
  for (const pair of pairs) {
    const colon = pair.indexOf(':');
    if (colon < 1 || colon === pair.length - 1) throw new BasicAuthConfigError('SLUICE_BASIC_AUTH must be comma-separated user:password pairs with a non-empty user and password');
    users[pair.slice(0, colon)] = pair.slice(colon + 1);
  }
  return users;
}

/** The first pair of a SLUICE_BASIC_AUTH value: what a client (the CLI, a test) sends. */
export function firstCredential(spec: string | undefined): { user: string; password: string } | undefined {
  const users = parseBasicAuthUsers(spec);
  const [user, password] = Object.entries(users ?? {})[0] ?? [];
  return user !== undefined && password !== undefined ? { user, password } : undefined;
}

/**
 * The `Authorization` header our own clients (CLI, API, source, the broker's replies) send to a
 * service configured with the same SLUICE_BASIC_AUTH; undefined when authentication is off.
 */
export function clientAuthorization(spec: string | undefined): string | undefined {
  const credential = firstCredential(spec);
  return credential && basicAuthHeader(credential);
}

/** `Authorization` header value for a client. */
export function basicAuthHeader(credential: { user: string; password: string }): string {
  return `Basic ${Buffer.from(`${credential.user}:${credential.password}`).toString('base64')}`;
}

/**
 * Middleware that answers 401 (with a `WWW-Authenticate` challenge, so browsers ask for the
 * credentials) unless the request carries one of `users`; a pass-through when `users` is undefined.
 */
export function createBasicAuth(users: Credentials | undefined, realm = 'sluice'): RequestHandler {
  if (!users) return (_req, _res, next) => next();
  return basicAuth({
    users: { ...users },
    challenge: true,
    realm,
    unauthorizedResponse: (req: { auth?: unknown }) => ({ error: req.auth ? 'invalid credentials' : 'credentials required (HTTP basic auth)' }),
  });
}
