// Factories for the RFC 6750 failures, each carrying its status and WWW-Authenticate header,
// so the guards only ever throw and the exception filter only ever copies.
import { SecureApiError } from '../errors/secure-api.error.js';
import { bearerChallenge } from './www-authenticate.js';

/** No bearer credentials at all: 401 with a bare challenge (RFC 6750 §3.1). */
export function missingToken(reason: string): SecureApiError {
  return new SecureApiError('unauthorized', 'A bearer token is required', {
    status: 401,
    headers: { 'www-authenticate': bearerChallenge() },
    reason,
  });
}

/** A malformed Authorization header: 400 invalid_request (RFC 6750 §3.1). */
export function invalidRequest(description: string): SecureApiError {
  return new SecureApiError('invalid_request', description, {
    status: 400,
    headers: {
      'www-authenticate': bearerChallenge({
        error: 'invalid_request',
        error_description: description,
      }),
    },
    reason: description,
  });
}

/** A token was presented and rejected. The public description stays generic on purpose. */
export function invalidToken(
  reason: string,
  description = 'The access token is invalid',
): SecureApiError {
  return new SecureApiError('invalid_token', description, {
    status: 401,
    headers: {
      'www-authenticate': bearerChallenge({
        error: 'invalid_token',
        error_description: description,
      }),
    },
    reason,
  });
}

/** `challenge` builds the WWW-Authenticate value (the schemes of the mode; Bearer alone by default). */
export function insufficientScope(
  required: readonly string[],
  challenge: (params: Record<string, string>) => string = bearerChallenge,
): SecureApiError {
  const scope = required.join(' ');
  return new SecureApiError('insufficient_scope', `This route requires the scope: ${scope}`, {
    status: 403,
    headers: {
      'www-authenticate': challenge({
        error: 'insufficient_scope',
        error_description: 'The access token lacks a required scope',
        scope,
      }),
    },
    reason: `missing scope ${scope}`,
  });
}

/**
 * The signing keys cannot be fetched and none is cached. 503, not 401: a 401 would tell the
 * client its (probably good) token is bad and make it fetch a new one, burning its quota.
 */
export function jwksUnavailable(reason: string, retryAfterSeconds: number): SecureApiError {
  return new SecureApiError(
    'jwks_unavailable',
    'The signing keys are temporarily unavailable; retry later',
    { status: 503, reason, retryAfterSeconds },
  );
}

/**
 * A DPoP proof is missing, malformed or does not match the request (RFC 9449 §7.1). The
 * guard replaces the challenge with the DPoP one of its mode.
 */
export function invalidDpopProof(
  reason: string,
  description = 'The DPoP proof is invalid',
): SecureApiError {
  return new SecureApiError('invalid_dpop_proof', description, {
    status: 401,
    headers: { 'www-authenticate': bearerChallenge() },
    reason,
  });
}

/** The proof lacks the server's current nonce (RFC 9449 §9); the answer carries DPoP-Nonce. */
export function useDpopNonce(reason: string, nonce: string): SecureApiError {
  return new SecureApiError('use_dpop_nonce', 'Resend the request with the DPoP-Nonce given', {
    status: 401,
    headers: { 'www-authenticate': bearerChallenge(), 'dpop-nonce': nonce },
    reason,
  });
}
