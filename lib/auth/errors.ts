/** Why a receiver refused a sender; mapped to HTTP in exactly one place (lib/auth/http.ts). */

/** No token, or one that does not verify (signature, issuer, audience, expiry): 401. */
export class UnauthenticatedError extends Error {
  override readonly name = 'UnauthenticatedError';
}

/** A verified sender that no EventPolicy admits to this receiver for this event: 403. */
export class ForbiddenSenderError extends Error {
  override readonly name = 'ForbiddenSenderError';
}

/** A sender that cannot get a token (issuer down, bad client secret): retried like any outage. */
export class TokenUnavailableError extends Error {
  override readonly name = 'TokenUnavailableError';
}
