// The public key of a DPoP proof (its `jwk` header): checked to be public and fit for the
// proof's `alg`, named by its RFC 7638 thumbprint, and imported into a KeyObject once per
// thumbprint. A client signs every proof with the same key, so after its first request the
// cost per proof is one SHA-256 of ~100 bytes instead of a key import.
// Hand-written rather than jose's calculateJwkThumbprint/importJWK because those are async,
// and the guard verifies proofs synchronously (no promise per request on the hot path).
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { invalidDpopProof } from './auth-errors.js';

/** Members that only a private (or symmetric) JWK holds. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/** The RFC 7638 required members of each key type, in lexicographic order. */
const THUMBPRINT_MEMBERS: Record<string, readonly string[]> = {
  EC: ['crv', 'kty', 'x', 'y'],
  RSA: ['e', 'kty', 'n'],
  OKP: ['crv', 'kty', 'x'],
};

/** The key type (and curve) each accepted proof `alg` needs. */
const KEY_FOR_ALG: Record<string, { kty: string; crv?: string }> = {
  ES256: { kty: 'EC', crv: 'P-256' },
  ES384: { kty: 'EC', crv: 'P-384' },
  ES512: { kty: 'EC', crv: 'P-521' },
  PS256: { kty: 'RSA' },
  PS384: { kty: 'RSA' },
  PS512: { kty: 'RSA' },
  RS256: { kty: 'RSA' },
  RS384: { kty: 'RSA' },
  RS512: { kty: 'RSA' },
  EdDSA: { kty: 'OKP', crv: 'Ed25519' },
  // The fully specified name (RFC 9864) that newer clients, panva's `dpop` among them, send.
  Ed25519: { kty: 'OKP', crv: 'Ed25519' },
};

/** Asymmetric algorithms only: never `none`, never HS*. Listed in the DPoP challenge. */
export const DPOP_ALGORITHMS = Object.keys(KEY_FOR_ALG);

export const MIN_RSA_MODULUS_BITS = 2048;

export interface ProofKey {
  /** base64url SHA-256 RFC 7638 thumbprint: what a bound token's `cnf.jkt` holds. */
  thumbprint: string;
  key: KeyObject;
}

/** RFC 7638: SHA-256 over the required members, in order, as JSON without whitespace. */
export function jwkThumbprint(jwk: Record<string, unknown>): string {
  const members = THUMBPRINT_MEMBERS[String(jwk.kty)];
  if (!members) throw invalidDpopProof('jwk has an unsupported kty');
  const canonical: Record<string, string> = {};
  for (const name of members) {
    const value = jwk[name];
    if (typeof value !== 'string' || value === '')
      throw invalidDpopProof(`jwk member ${name} is missing`);
    canonical[name] = value;
  }
  return createHash('sha256').update(JSON.stringify(canonical)).digest('base64url');
}

export class ProofKeyCache {
  private readonly keys: LRUCache<string, KeyObject>;

  constructor(maxKeys: number) {
    this.keys = new LRUCache({ max: maxKeys });
  }

  get size(): number {
    return this.keys.size;
  }

  /** True for the asymmetric algorithms of DPOP_ALGORITHMS. */
  accepts(alg: string): boolean {
    return Object.hasOwn(KEY_FOR_ALG, alg);
  }

  /** The proof's key for `alg`, or invalid_dpop_proof naming what is wrong with it. */
  keyFor(jwk: unknown, alg: string): ProofKey {
    if (jwk === null || typeof jwk !== 'object' || Array.isArray(jwk))
      throw invalidDpopProof('jwk header is missing or not an object');
    const members = jwk as Record<string, unknown>;
    for (const name of PRIVATE_MEMBERS) {
      if (name in members) throw invalidDpopProof(`jwk holds the private member ${name}`);
    }
    const wanted = KEY_FOR_ALG[alg];
    if (!wanted || members.kty !== wanted.kty || (wanted.crv && members.crv !== wanted.crv))
      throw invalidDpopProof(`jwk is not a key for ${alg}`);
    const thumbprint = jwkThumbprint(members);
    let key = this.keys.get(thumbprint);
    if (key === undefined) {
      key = importPublicJwk(members);
      this.keys.set(thumbprint, key);
    }
    return { thumbprint, key };
  }
}

function importPublicJwk(jwk: Record<string, unknown>): KeyObject {
  let key: KeyObject;
  try {
    // Only the thumbprint members: anything else (alg, use, kid, x5c…) has no say here.
    const members = THUMBPRINT_MEMBERS[String(jwk.kty)] ?? [];
    key = createPublicKey({
      key: Object.fromEntries(members.map((name) => [name, jwk[name]])),
      format: 'jwk',
    });
  } catch {
    throw invalidDpopProof('jwk is not a valid public key');
  }
  if (
    key.asymmetricKeyType === 'rsa' &&
    (key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_MODULUS_BITS
  ) {
    throw invalidDpopProof(`jwk RSA modulus is shorter than ${MIN_RSA_MODULUS_BITS} bits`);
  }
  return key;
}
