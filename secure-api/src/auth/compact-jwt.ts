// Strict structural checks of a compact JWS before any key lookup, so that garbage, `alg`
// tricks, unknown `crit` extensions and hostile `kid`s are refused without touching the key
// set (no fetch storm) and without relying on jsonwebtoken's more lenient decoding.
import { invalidToken } from './auth-errors.js';

export const MAX_KID_LENGTH = 256;

const SEGMENT = '[A-Za-z0-9_-]+';
const COMPACT_JWS = new RegExp(`^${SEGMENT}\\.${SEGMENT}\\.${SEGMENT}$`);
const utf8 = new TextDecoder('utf-8', { fatal: true });

export interface JwsHeader {
  alg: 'RS256';
  kid: string;
  [name: string]: unknown;
}

function decodeJsonObject(segment: string, part: string): Record<string, unknown> {
  let text: string;
  try {
    text = utf8.decode(Buffer.from(segment, 'base64url'));
  } catch {
    throw invalidToken(`${part} is not valid UTF-8`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidToken(`${part} is not JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidToken(`${part} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** Checks the token's shape and returns its header; the signature is checked later. */
export function parseJwsHeader(token: string): JwsHeader {
  if (!COMPACT_JWS.test(token)) throw invalidToken('not a compact JWS (three base64url segments)');
  const [headerSegment, payloadSegment] = token.split('.') as [string, string, string];
  const header = decodeJsonObject(headerSegment, 'header');
  decodeJsonObject(payloadSegment, 'payload');
  if (header.alg !== 'RS256') throw invalidToken('alg is not RS256');
  if ('crit' in header)
    throw invalidToken('crit header names an extension this API does not support');
  const kid = header.kid;
  if (typeof kid !== 'string' || kid.length === 0)
    throw invalidToken('kid is missing or not a string');
  if (kid.length > MAX_KID_LENGTH) throw invalidToken('kid is too long');
  return header as JwsHeader;
}
