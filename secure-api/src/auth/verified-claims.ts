// The claims of a token whose signature, issuer, audience and lifetime were verified, and
// the checks jsonwebtoken leaves out: it accepts a token without `exp`, ignores `iat` in the
// future and does not require `sub`.
import { invalidToken } from './auth-errors.js';

export interface VerifiedClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat?: number;
  nbf?: number;
  azp?: string;
  scope?: string;
  permissions?: string[];
  gty?: string;
  [claim: string]: unknown;
}

/** Leeway for exp/nbf/iat against clock skew between Auth0 and this host (≤ 60 s). */
export const CLOCK_TOLERANCE_SECONDS = 30;

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

export function checkClaims(payload: unknown, nowSeconds: number): VerifiedClaims {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw invalidToken('payload is not a JSON object');
  }
  const claims = payload as Record<string, unknown>;
  if (!isNumericDate(claims.exp)) throw invalidToken('exp is missing or not a number');
  if (claims.exp + CLOCK_TOLERANCE_SECONDS <= nowSeconds) throw invalidToken('token expired');
  if (claims.iat !== undefined) {
    if (!isNumericDate(claims.iat)) throw invalidToken('iat is not a number');
    if (claims.iat > nowSeconds + CLOCK_TOLERANCE_SECONDS)
      throw invalidToken('iat is in the future');
  }
  if (claims.nbf !== undefined) {
    if (!isNumericDate(claims.nbf)) throw invalidToken('nbf is not a number');
    if (claims.nbf > nowSeconds + CLOCK_TOLERANCE_SECONDS)
      throw invalidToken('token not yet valid (nbf)');
  }
  if (typeof claims.sub !== 'string' || claims.sub === '') throw invalidToken('sub is missing');
  if (typeof claims.iss !== 'string') throw invalidToken('iss is missing');
  if (claims.scope !== undefined && typeof claims.scope !== 'string') {
    throw invalidToken('scope is not a string');
  }
  if (
    claims.permissions !== undefined &&
    !(Array.isArray(claims.permissions) && claims.permissions.every((p) => typeof p === 'string'))
  ) {
    throw invalidToken('permissions is not an array of strings');
  }
  return claims as VerifiedClaims;
}

/** The scopes a token grants: its space-separated `scope` plus its `permissions` array. */
export function grantedScopes(claims: VerifiedClaims): Set<string> {
  const granted = new Set<string>(claims.permissions ?? []);
  for (const scope of (claims.scope ?? '').split(' ')) if (scope) granted.add(scope);
  return granted;
}
