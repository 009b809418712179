// Tokens for the bench: the one valid token every request carries comes from the Auth0 stand-in
// (as the function gets it); flood tokens are signed here with the bench's own key (RS256, one
// crypto.sign per token, Auth0's claim set plus a distinct `jti`); hostile tokens carry random
// kids and random signatures (they must never reach a signature check).
import {
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  type KeyObject,
} from 'node:crypto';
import type { PublicJwk } from './key-set-server.js';

export const CLIENT_ID = 'local-m2m-client';
export const AUDIENCE = 'https://secure-api.local';
const SCOPE = 'read:customers write:interactions';

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** The one valid token: the stand-in's default client is CLIENT_ID, for AUDIENCE. */
export { fetchDefaultClientToken as fetchStandInToken } from 'local-stack';

export function claimsFor(issuer: string, extra: Record<string, unknown> = {}): object {
  const iat = Math.floor(Date.now() / 1000);
  return {
    iss: issuer,
    sub: `${CLIENT_ID}@clients`,
    aud: AUDIENCE,
    iat,
    exp: iat + 86_400,
    scope: SCOPE,
    gty: 'client-credentials',
    azp: CLIENT_ID,
    ...extra,
  };
}

export interface BenchSigningKey {
  kid: string;
  privateKey: KeyObject;
  jwk: PublicJwk;
  /** PKCS#8 PEM, to hand the key to worker threads. */
  privatePem: string;
}

export function createBenchSigningKey(): BenchSigningKey {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = `bench-${randomBytes(8).toString('hex')}`;
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  return {
    kid,
    privateKey,
    jwk: { kty: 'RSA', n: jwk.n, e: jwk.e, kid, alg: 'RS256', use: 'sig' },
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** An RS256 compact JWS signed with `privateKey`. */
export function signToken(kid: string, payload: object, privateKey: KeyObject | string): string {
  const input = `${b64url({ alg: 'RS256', typ: 'JWT', kid })}.${b64url(payload)}`;
  const signature = sign('sha256', Buffer.from(input), privateKey).toString('base64url');
  return `${input}.${signature}`;
}

/** A well-formed token whose kid is in no key set, with a random 256-byte "signature". */
export function randomKidToken(issuer: string): string {
  const header = { alg: 'RS256', typ: 'JWT', kid: randomBytes(16).toString('base64url') };
  return `${b64url(header)}.${b64url(claimsFor(issuer))}.${randomBytes(256).toString('base64url')}`;
}
