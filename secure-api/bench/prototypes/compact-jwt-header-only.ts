// PROTOTYPE (bench only) of src/auth/compact-jwt.ts `parseJwsHeader`: the same strict checks of
// the token's shape and header, but the payload is no longer decoded and parsed here, because
// jsonwebtoken decodes it again right after (and rejects a payload that is not JSON) and
// checkClaims rejects one that is not an object. Trade-off: a payload with invalid UTF-8 is no
// longer refused before the signature check (its signature must still verify).
import { invalidToken } from '../../src/auth/auth-errors.js';
import type { JwsHeader } from '../../src/auth/compact-jwt.js';
import { MAX_KID_LENGTH } from '../../src/auth/compact-jwt.js';

const SEGMENT = '[A-Za-z0-9_-]+';
const COMPACT_JWS = new RegExp(`^${SEGMENT}\\.${SEGMENT}\\.${SEGMENT}$`);
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function parseJwsHeaderOnly(token: string): JwsHeader {
  if (!COMPACT_JWS.test(token)) throw invalidToken('not a compact JWS (three base64url segments)');
  let header: unknown;
  try {
    header = JSON.parse(utf8.decode(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url')));
  } catch {
    throw invalidToken('header is not JSON');
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw invalidToken('header is not a JSON object');
  }
  const fields = header as Record<string, unknown>;
  if (fields.alg !== 'RS256') throw invalidToken('alg is not RS256');
  if ('crit' in fields)
    throw invalidToken('crit header names an extension this API does not support');
  const kid = fields.kid;
  if (typeof kid !== 'string' || kid.length === 0)
    throw invalidToken('kid is missing or not a string');
  if (kid.length > MAX_KID_LENGTH) throw invalidToken('kid is too long');
  return fields as JwsHeader;
}
