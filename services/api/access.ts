/**
 * Who may change things through the API. Two roles over the same basic-auth users
 * (SLUICE_BASIC_AUTH): an *operator* may do everything; a *viewer* (SLUICE_READ_ONLY_USERS) may
 * search and look, but every request that could change the bucket, the index, the dead letters
 * or the pipeline's work is 403.
 *
 * Deny by default: a viewer gets only safe methods (GET, HEAD) and the few POSTs listed in
 * READ_ONLY_POSTS (a search sent as JSON), so a route added later is an operator's until someone
 * decides otherwise. Browsers send basic-auth credentials with any request to the API, also one
 * a foreign page makes them send: a changing request whose Origin is not the API's own is
 * refused too (a cross-site form post to `/reconcile` must not run as the operator).
 */
import type { Request, RequestHandler } from 'express';

export type Role = 'operator' | 'viewer';

export interface Access {
  /** The role of an authenticated user; everyone is an operator when authentication is off. */
  roleOf(user: string | undefined): Role;
}

export function createAccess(readOnlyUsers: readonly string[] = []): Access {
  const viewers = new Set(readOnlyUsers);
  return { roleOf: (user) => (user !== undefined && viewers.has(user) ? 'viewer' : 'operator') };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** POSTs that only read. */
const READ_ONLY_POSTS = new Set(['/search']);

/** The user express-basic-auth authenticated, if any. */
export function userOf(req: Request): string | undefined {
  return (req as Request & { auth?: { user?: string } }).auth?.user;
}

export function roleOf(access: Access, req: Request): Role {
  return access.roleOf(userOf(req));
}

export function changes(req: Request): boolean {
  return !SAFE_METHODS.has(req.method) && !(req.method === 'POST' && READ_ONLY_POSTS.has(req.path));
}

/** 403 for a viewer's changing request (after basic auth has named the user). */
export function refuseViewerChanges(access: Access): RequestHandler {
  return (req, res, next) => {
    if (changes(req) && roleOf(access, req) === 'viewer') {
      res.status(403).json({ error: `${userOf(req)} is read-only (SLUICE_READ_ONLY_USERS): uploads, deletes, re-ingests, replays and reconcile need an operator` });
      return;
    }
    next();
  };
}

/**
 * 403 for a changing request a browser sent from another origin. Browsers name the origin of
 * every cross-origin request (and of same-origin POSTs); the CLI and curl send none and pass.
 */
export function refuseCrossSiteChanges(): RequestHandler {
  return (req, res, next) => {
    if (!changes(req)) return next();
    const origin = req.get('origin');
    const site = req.get('sec-fetch-site');
    const sameOrigin = origin === undefined || origin === `${req.protocol}://${req.get('host')}` || sameHost(origin, req.get('host'));
    if (!sameOrigin || (site !== undefined && site !== 'same-origin' && site !== 'none')) {
      res.status(403).json({ error: 'cross-origin request refused: the console only accepts changes from its own pages' });
      return;
    }
    next();
  };
}

/** Behind a TLS-terminating proxy the API sees http while the browser says https: compare hosts. */
function sameHost(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}
