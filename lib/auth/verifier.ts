/**
 * Verifying the OIDC token a sender presents: signature against the issuer's published keys
 * (JWKS, fetched and cached by jose, re-fetched when a new key id appears), issuer, audience
 * (this receiver's own), expiry and not-before, with a small clock tolerance.
 */
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { UnauthenticatedError } from './errors.js';

export interface VerifierOptions {
  issuer: string;
  /** The issuer's JWKS; Kubernetes and the local issuer both publish it at `<issuer>/openid/v1/jwks`. */
  jwksUrl?: string;
  /** The audience this receiver answers to. */
  audience: string;
  clockToleranceSeconds?: number;
}

export interface VerifiedSender {
  /** The token's `sub`: a service account, `system:serviceaccount:<ns>:<name>`. */
  readonly subject: string;
}

export type TokenVerifier = (authorization: string | undefined) => Promise<VerifiedSender>;

export function jwksUrlOf(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/openid/v1/jwks`;
}

export function createTokenVerifier(options: VerifierOptions, keys: JWTVerifyGetKey = createRemoteJWKSet(new URL(options.jwksUrl ?? jwksUrlOf(options.issuer)))): TokenVerifier {
  return async (authorization) => {
    const match = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)\s*$/i.exec(authorization ?? '');
    if (!match) throw new UnauthenticatedError(authorization ? 'the Authorization header is not a Bearer token' : 'no Authorization header: an OIDC token for this receiver is required');
    try {
      const { payload } = await jwtVerify(match[1]!, keys, {
        issuer: options.issuer,
        audience: options.audience,
        clockTolerance: options.clockToleranceSeconds ?? 30,
        requiredClaims: ['sub', 'exp'],
      });
      return { subject: payload.sub! };
    } catch (err) {
      if (err instanceof errors.JOSEError) throw new UnauthenticatedError(`token refused: ${describe(err)}`);
      // JWKS unreachable or similar: not the sender's fault, but still no entry.
      throw new UnauthenticatedError(`token could not be verified: ${(err as Error).message}`);
    }
  };
}

function describe(err: InstanceType<typeof errors.JOSEError>): string {
  if (err instanceof errors.JWTExpired) return 'expired';
  if (err instanceof errors.JWTClaimValidationFailed) return `${err.claim} claim: ${err.reason === 'check_failed' ? 'not for this receiver' : err.reason}`;
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'bad signature';
  return err.message;
}
