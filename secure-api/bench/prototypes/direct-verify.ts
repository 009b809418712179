// PROTOTYPE (bench only): the guard's cache-miss path without passport — the same steps and
// checks as JwtAuthGuard + JwtStrategy (strict bearer header, verified-token cache, strict
// header pre-parse, SigningKeyStore KeyObject, jsonwebtoken with RS256/iss/aud/clock
// tolerance, checkClaims, cache set), called directly instead of through
// passport.authenticate, the PassportStrategy mixin's async callback and a wrapping Promise.
import jsonwebtoken from 'jsonwebtoken';
import type { AuthOptions } from '../../src/auth/auth-options.js';
import { bearerTokenFrom } from '../../src/auth/bearer-token.js';
import { invalidToken } from '../../src/auth/auth-errors.js';
import type { SigningKeyStore } from '../../src/auth/signing-key-store.js';
import {
  CLOCK_TOLERANCE_SECONDS,
  checkClaims,
  type VerifiedClaims,
} from '../../src/auth/verified-claims.js';
import type { VerifiedTokenCache } from '../../src/auth/verified-token-cache.js';
import { parseJwsHeaderOnly } from './compact-jwt-header-only.js';

export function directVerifier(
  options: AuthOptions,
  keys: SigningKeyStore,
  cache: VerifiedTokenCache,
): (authorization: string) => Promise<VerifiedClaims> {
  const verifyOptions = {
    algorithms: ['RS256' as const],
    issuer: options.issuer,
    audience: options.audience,
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
  };
  return async (authorization) => {
    const token = bearerTokenFrom(authorization);
    const known = cache.get(token);
    if (known) return known;
    const { kid } = parseJwsHeaderOnly(token);
    const { key, fetchedAt } = await keys.getKey(kid);
    let payload: unknown;
    try {
      payload = jsonwebtoken.verify(token, key, verifyOptions);
    } catch (error) {
      throw invalidToken(error instanceof Error ? `${error.name}: ${error.message}` : 'rejected');
    }
    const claims = checkClaims(payload, Math.floor(Date.now() / 1000));
    cache.set(token, claims, fetchedAt + keys.cacheMaxAgeMs);
    return claims;
  };
}
