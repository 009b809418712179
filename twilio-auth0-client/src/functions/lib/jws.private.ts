// Compact JWS signing (RFC 7515) for the two JWTs the functions make themselves: DPoP proofs
// and client assertions. Hand-written over node:crypto rather than taken from `jose` because
// jose 6 is ESM-only and async: these CommonJS functions are loaded by Twilio's runtime through
// `module.require`, and a proof is made on every API call, where a synchronous sign with an
// already imported KeyObject is the cheapest path. Verification is not done here; the tests
// verify what this signs with jose, oauth4webapi and express-oauth2-jwt-bearer.
import { constants, sign, type KeyObject } from 'node:crypto';

export type SigningAlg = 'ES256' | 'RS256' | 'RS384' | 'PS256';

const DIGEST: Record<SigningAlg, string> = {
  ES256: 'sha256',
  RS256: 'sha256',
  RS384: 'sha384',
  PS256: 'sha256',
};

export function base64urlJson(value: object): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/** `header.payload.signature`, with `alg` set in the header from `alg`. */
export function signJws(
  alg: SigningAlg,
  key: KeyObject,
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
): string {
  const input = `${base64urlJson({ ...header, alg })}.${base64urlJson(payload)}`;
  const signature = sign(DIGEST[alg], Buffer.from(input, 'ascii'), signingKey(alg, key));
  return `${input}.${signature.toString('base64url')}`;
}

function signingKey(alg: SigningAlg, key: KeyObject): Parameters<typeof sign>[2] {
  // JWS wants ECDSA signatures as r||s (IEEE P1363), not DER; PSS with a salt as long as the hash.
  if (alg === 'ES256') return { key, dsaEncoding: 'ieee-p1363' };
  if (alg === 'PS256') {
    return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
  }
  return key;
}
