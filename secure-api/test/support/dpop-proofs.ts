// DPoP proofs for tests, made with jose (a registry implementation, not our verifier's code),
// plus raw helpers for the hostile ones jose refuses to make (alg none, HS256, bad members).
import { calculateJwkThumbprint, exportJWK, type JWK, SignJWT } from 'jose';
import { createHash, generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import { b64url, now } from './tokens.js';

export interface DpopKey {
  alg: 'ES256' | 'PS256' | 'RS256';
  privateKey: KeyObject;
  publicJwk: JWK;
  /** RFC 7638 thumbprint: what a token bound to this key holds in cnf.jkt. */
  jkt: string;
}

export async function createDpopKey(alg: DpopKey['alg'] = 'ES256'): Promise<DpopKey> {
  const { privateKey, publicKey } =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicJwk = await exportJWK(publicKey);
  return { alg, privateKey, publicJwk, jkt: await calculateJwkThumbprint(publicJwk) };
}

export function ath(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export interface ProofOptions {
  htu: string;
  htm?: string;
  accessToken?: string;
  nonce?: string;
  /** Claims to set or override (e.g. iat). */
  claims?: Record<string, unknown>;
  /** Claims to remove from the defaults. */
  omit?: string[];
  header?: Record<string, unknown>;
}

export function proofClaims(options: ProofOptions): Record<string, unknown> {
  const claims: Record<string, unknown> = {
    jti: randomUUID(),
    htm: options.htm ?? 'GET',
    htu: options.htu,
    iat: now(),
    ...(options.accessToken === undefined ? {} : { ath: ath(options.accessToken) }),
    ...(options.nonce === undefined ? {} : { nonce: options.nonce }),
    ...options.claims,
  };
  for (const name of options.omit ?? []) delete claims[name];
  return claims;
}

export async function makeProof(key: DpopKey, options: ProofOptions): Promise<string> {
  return new SignJWT(proofClaims(options))
    .setProtectedHeader({ alg: key.alg, typ: 'dpop+jwt', jwk: key.publicJwk, ...options.header })
    .sign(key.privateKey);
}

/** A proof whose header and payload are written as given, with an arbitrary signature part. */
export function rawProof(header: unknown, payload: unknown, signature = ''): string {
  return `${b64url(header)}.${b64url(payload)}.${signature}`;
}
