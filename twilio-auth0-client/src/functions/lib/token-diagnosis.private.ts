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

/** The payload claims of a JWT, decoded without verification; nulls when not a readable JWT. */
export function decodeClaims(accessToken: string): TokenClaims {
  const empty: TokenClaims = { iss: null, aud: null, azp: null, scope: null, sub: null };
  const payload = accessToken.split('.')[1];
  if (payload === undefined) return empty;
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return empty;
  }
  if (typeof claims !== 'object' || claims === null) return empty;
  const record = claims as Record<string, unknown>;
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
