// What the browser test endpoint may say about a token without showing it: a short SHA-256
// fingerprint (enough to tell two tokens apart in logs and screenshots) and the claims that
// explain an API's 401/403 (iss, aud, azp, scope, sub). The claims are decoded, NOT verified:
// verifying is the API's job, and this function holds no key to do it with.
import { createHash } from 'node:crypto';

export interface TokenClaims {
  iss: string | null;
  aud: string | string[] | null;
  azp: string | null;
  scope: string | null;
  sub: string | null;
}

export function tokenFingerprint(accessToken: string): string {
  return `sha256:${createHash('sha256').update(accessToken, 'utf8').digest('hex').slice(0, 16)}`;
}

/** The payload of a JWT as an object, decoded without verification; null when unreadable. */
export function decodeJwtPayload(accessToken: string): Record<string, unknown> | null {
  const payload = accessToken.split('.')[1];
  if (payload === undefined) return null;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return typeof claims === 'object' && claims !== null
      ? (claims as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** A JWT's claims and, when it is DPoP-bound, its `cnf.jkt`: one decode, not verified. */
export function describeToken(accessToken: string): { claims: TokenClaims; jkt: string | null } {
  const record = decodeJwtPayload(accessToken);
  return { claims: claimsOf(record), jkt: boundKeyOf(record) };
}

/** The payload claims of a JWT, decoded without verification; nulls when not a readable JWT. */
export function decodeClaims(accessToken: string): TokenClaims {
  return claimsOf(decodeJwtPayload(accessToken));
}

/** The `cnf.jkt` of a DPoP-bound JWT payload (the thumbprint of the key it is bound to), or null. */
function boundKeyOf(record: Record<string, unknown> | null): string | null {
  const cnf = record?.cnf;
  if (typeof cnf !== 'object' || cnf === null) return null;
  const jkt = (cnf as Record<string, unknown>).jkt;
  return typeof jkt === 'string' ? jkt.slice(0, 100) : null;
}

function claimsOf(record: Record<string, unknown> | null): TokenClaims {
  if (record === null) return { iss: null, aud: null, azp: null, scope: null, sub: null };
  const text = (value: unknown) => (typeof value === 'string' ? value.slice(0, 300) : null);
  const aud = record.aud;
  return {
    iss: text(record.iss),
    aud: Array.isArray(aud)
      ? aud.filter((a): a is string => typeof a === 'string').slice(0, 10)
      : text(aud),
    azp: text(record.azp),
    scope: text(record.scope),
    sub: text(record.sub),
  };
}
