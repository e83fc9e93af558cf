/**
 * Sender authentication on an HTTP receiver, the one place its errors become statuses: no or an
 * invalid token is 401 (with `WWW-Authenticate: Bearer`), a verified sender that no EventPolicy
 * admits is 403. The token is checked before the body is read, so an unauthenticated client
 * cannot make a receiver buffer a megabyte; the event-type filters of the policies are applied
 * once the event is parsed ({@link authorizeEvent}).
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ForbiddenSenderError, UnauthenticatedError } from './errors.js';
import type { EventAttributes, ReceiverPolicy } from './policy.js';
import type { TokenVerifier, VerifiedSender } from './verifier.js';

export interface ReceiverAuth {
  readonly verify: TokenVerifier;
  readonly policy: ReceiverPolicy;
  /** For messages: `sluice-split`, `the Broker sluice`. */
  readonly receiver: string;
}

/** Verifies the sender of a request; resolves to it, or throws Unauthenticated/ForbiddenSender. */
export async function authenticateSender(auth: ReceiverAuth, authorization: string | undefined): Promise<VerifiedSender> {
  const sender = await auth.verify(authorization);
  if (!auth.policy.admitsSender(sender.subject)) throw new ForbiddenSenderError(`${sender.subject} may not send events to ${auth.receiver}`);
  return sender;
}

/** Throws ForbiddenSenderError unless the policies admit this event from this sender. */
export function authorizeEvent(auth: ReceiverAuth, sender: VerifiedSender, event: EventAttributes): void {
  if (!auth.policy.admits(sender.subject, event)) {
    throw new ForbiddenSenderError(`${sender.subject} may not send ${typeof event.type === 'string' ? event.type : 'this'} events to ${auth.receiver}`);
  }
}

/** The HTTP answer to an auth failure, or undefined when `err` is not one. */
export function authFailureStatus(err: unknown): 401 | 403 | undefined {
  if (err instanceof UnauthenticatedError) return 401;
  if (err instanceof ForbiddenSenderError) return 403;
  return undefined;
}

/**
 * Express middleware: authenticates the sender (auth undefined = authentication off) and leaves
 * it in `res.locals.sender` for {@link authorizeEvent}.
 */
export function requireEventSender(auth: ReceiverAuth | undefined, onRefused?: (status: number, message: string) => void): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!auth) return next();
    authenticateSender(auth, req.headers.authorization).then(
      (sender) => {
        res.locals.sender = sender;
        next();
      },
      (err: unknown) => {
        const status = authFailureStatus(err) ?? 401;
        const message = err instanceof Error ? err.message : String(err);
        onRefused?.(status, message);
        if (status === 401) res.set('WWW-Authenticate', 'Bearer');
        // The body is never read: close the connection rather than drain an upload we refused.
        res.status(status).set('Connection', 'close').json({ error: message });
      },
    );
  };
}

/** In a route after {@link requireEventSender}: the policy check on the parsed event (403). */
export function checkEventAllowed(auth: ReceiverAuth | undefined, res: Response, event: EventAttributes): boolean {
  if (!auth) return true;
  try {
    authorizeEvent(auth, res.locals.sender as VerifiedSender, event);
    return true;
  } catch (err) {
    res.status(403).json({ error: (err as Error).message });
    return false;
  }
}
