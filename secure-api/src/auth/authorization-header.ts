// Reads the credentials of a request from its Authorization header (and, for the DPoP
// scheme, its DPoP header), and only from there: tokens in the query string or the body are
// never looked at (they end up in logs and caches). Duplicates are counted in rawHeaders,
// because Node keeps only the first Authorization header in `headers` and silently drops
// the others, and joins repeated DPoP headers with a comma.
import { invalidDpopProof, invalidRequest, invalidToken, missingToken } from './auth-errors.js';

/** Well above any real access token; longer values are rejected before any parsing. */
export const MAX_TOKEN_LENGTH = 8192;

export type HeaderValue = string | string[] | undefined;
export type AuthScheme = 'Bearer' | 'DPoP';

export interface Credentials {
  scheme: AuthScheme;
  token: string;
  /** The DPoP proof (DPoP scheme only). */
  proof?: string;
}

export interface HeaderSource {
  authorization: HeaderValue;
  dpop: HeaderValue;
  /** Node's rawHeaders: name, value, name, value… as received. */
  rawHeaders: readonly string[] | undefined;
}

/** How many times `lowerName` (lower case) appears among the raw header names. */
export function headerCount(rawHeaders: readonly string[] | undefined, lowerName: string): number {
  if (rawHeaders === undefined) return 0;
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    // The length test first: almost every header is skipped without a lower-casing.
    if (name.length === lowerName.length && name.toLowerCase() === lowerName) count += 1;
  }
  return count;
}

/**
 * The credentials, or 401 `unauthorized` (none, or a scheme not accepted), 400
 * `invalid_request` (two Authorization headers, or not exactly `<scheme> <token68>`), 401
 * `invalid_token` (a token far longer than any real one) or 401 `invalid_dpop_proof` (the
 * DPoP scheme without exactly one DPoP header).
 */
export function credentialsFrom(source: HeaderSource, acceptDpop: boolean): Credentials {
  const { authorization } = source;
  // RFC 6750 §3.1: more than one credential is an invalid_request.
  if (Array.isArray(authorization) || headerCount(source.rawHeaders, 'authorization') > 1)
    throw invalidRequest('Only one Authorization header is allowed');
  if (authorization === undefined || authorization === '') {
    throw missingToken('no Authorization header');
  }
  const space = authorization.indexOf(' ');
  const written = space === -1 ? authorization : authorization.slice(0, space);
  const lower = written.toLowerCase();
  const scheme: AuthScheme | undefined =
    lower === 'bearer' ? 'Bearer' : lower === 'dpop' && acceptDpop ? 'DPoP' : undefined;
  if (scheme === undefined)
    throw missingToken(`Authorization scheme ${written.slice(0, 16)} is not accepted`);
  const token = authorization.slice(written.length).trim();
  if (token === '') throw invalidRequest(`The ${scheme} credentials are missing`);
  if (/\s/.test(token)) throw invalidRequest(`The ${scheme} credentials must be a single token`);
  // A token was presented; it is just not one we could have issued.
  if (token.length > MAX_TOKEN_LENGTH)
    throw invalidToken('token longer than any real access token');
  if (scheme === 'Bearer') return { scheme, token };

  const proofs = headerCount(source.rawHeaders, 'dpop');
  const proof = source.dpop;
  if (proofs === 0 || proof === undefined || proof === '')
    throw invalidDpopProof('DPoP scheme without a DPoP header', 'A DPoP proof is required');
  if (proofs > 1 || Array.isArray(proof))
    throw invalidDpopProof('more than one DPoP header', 'Only one DPoP proof is allowed');
  return { scheme, token, proof };
}
