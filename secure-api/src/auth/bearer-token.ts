// Reads the bearer token from the Authorization header, and only from there: tokens in the
// query string or the body are never looked at (they end up in logs and caches).
import { invalidRequest, invalidToken, missingToken } from './auth-errors.js';

/** Well above any real access token; longer values are rejected before any parsing. */
export const MAX_TOKEN_LENGTH = 8192;

export type HeaderValue = string | string[] | undefined;

/**
 * Returns the token, or throws 401 `unauthorized` (no bearer credentials), 400
 * `invalid_request` (a Bearer header that is not exactly `Bearer <token68>`) or 401
 * `invalid_token` (a token far longer than any real one).
 */
export function bearerTokenFrom(authorization: HeaderValue): string {
  if (Array.isArray(authorization))
    throw invalidRequest('Only one Authorization header is allowed');
  if (authorization === undefined || authorization === '') {
    throw missingToken('no Authorization header');
  }
  const space = authorization.indexOf(' ');
  const scheme = space === -1 ? authorization : authorization.slice(0, space);
  if (scheme.toLowerCase() !== 'bearer') throw missingToken('Authorization scheme is not Bearer');
  const credentials = authorization.slice(scheme.length).trim();
  if (credentials === '') throw invalidRequest('The Bearer credentials are missing');
  if (/\s/.test(credentials)) throw invalidRequest('The Bearer credentials must be a single token');
  // A token was presented; it is just not one we could have issued.
  if (credentials.length > MAX_TOKEN_LENGTH)
    throw invalidToken('token longer than any real access token');
  return credentials;
}
