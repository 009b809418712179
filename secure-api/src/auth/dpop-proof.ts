// Parses and verifies one DPoP proof JWT (RFC 9449 §4.2–4.3) synchronously with node:crypto:
// its header (typ, alg, public jwk), its signature, and its claims against the request (htm,
// htu, iat window, ath). What needs state (the nonce, the replay cache, the token's cnf.jkt)
// is the DpopVerifier's. Hand-written rather than jose's jwtVerify because that is async:
// a fresh proof on every request is the one cost that cannot be cached, so it is kept to one
// signature verification with a KeyObject imported once per client key.
import { constants, createHash, type KeyObject, verify } from 'node:crypto';
import { invalidDpopProof } from './auth-errors.js';
import { LRUCache } from 'lru-cache';
import type { ProofKeyCache } from './dpop-proof-key.js';

/** Far above any real proof (an RSA-4096 jwk makes ~1.5 kB); longer ones are not parsed. */
export const MAX_PROOF_LENGTH = 8192;
/** A `jti` is 128 bits or more of randomness; past this length it is not a jti but a payload. */
export const MAX_JTI_LENGTH = 256;

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export interface ProofWindow {
  /** Seconds a proof's iat may lie in the past. */
  maxAgeSeconds: number;
  /** Seconds a proof's iat may lie in the future (clock skew). */
  maxFutureSeconds: number;
}

export interface ProofExpectations extends ProofWindow {
  method: string;
  /** The request URL without query or fragment, normalised (dpop-target-uri.ts). */
  targetUri: string;
  /** base64url(SHA-256(access token)): what `ath` must be. */
  accessTokenHash: string;
  nowSeconds: number;
  normaliseHtu: (htu: string) => string | undefined;
}

export interface VerifiedProof {
  thumbprint: string;
  jti: string;
  iat: number;
  nonce: string | undefined;
}

function decodeObject(segment: string, part: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(Buffer.from(segment, 'base64url')));
  } catch {
    throw invalidDpopProof(`proof ${part} is not JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw invalidDpopProof(`proof ${part} is not a JSON object`);
  return value as Record<string, unknown>;
}

function signatureValid(alg: string, key: KeyObject, input: Buffer, signature: Buffer): boolean {
  const bits = alg.slice(2);
  const digest = `sha${bits}`;
  switch (alg.slice(0, 2)) {
    case 'ES':
      // JWS signatures are r||s (IEEE P1363), not DER.
      return verify(digest, input, { key, dsaEncoding: 'ieee-p1363' }, signature);
    case 'PS':
      return verify(
        digest,
        input,
        { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(bits) / 8 },
        signature,
      );
    case 'RS':
      return verify(digest, input, key, signature);
    default: // EdDSA, Ed25519
      return verify(null, input, key, signature);
  }
}

/** base64url(SHA-256(token)): the `ath` that binds a proof to one access token. */
export function accessTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** What a proof header yields once checked: the same bytes always give the same answer. */
interface CheckedHeader {
  alg: string;
  thumbprint: string;
  key: KeyObject;
}

/**
 * Checked proof headers by their base64url segment. A client signs every proof with the same
 * key, so its header segment (typ, alg, jwk) is byte-for-byte the same on every request: the
 * decode, the checks and the thumbprint are done once per client rather than per proof. Only
 * headers that passed every check are kept; the signature is still verified on every proof.
 */
export class ProofHeaderCache {
  private readonly headers: LRUCache<string, CheckedHeader>;

  constructor(
    private readonly keys: ProofKeyCache,
    maxEntries: number,
  ) {
    this.headers = new LRUCache({ max: maxEntries });
  }

  check(segment: string): CheckedHeader {
    const known = this.headers.get(segment);
    if (known) return known;
    const header = decodeObject(segment, 'header');
    if (header.typ !== 'dpop+jwt') throw invalidDpopProof('proof typ is not dpop+jwt');
    const alg = header.alg;
    if (typeof alg !== 'string' || !this.keys.accepts(alg))
      throw invalidDpopProof('proof alg is not an accepted asymmetric algorithm');
    if ('crit' in header) throw invalidDpopProof('proof crit names an unsupported extension');
    const checked = { alg, ...this.keys.keyFor(header.jwk, alg) };
    this.headers.set(segment, checked);
    return checked;
  }
}

export function verifyProof(
  proof: string,
  headers: ProofHeaderCache,
  expected: ProofExpectations,
): VerifiedProof {
  if (proof.length > MAX_PROOF_LENGTH) throw invalidDpopProof('proof is too long');
  if (!COMPACT_JWS.test(proof)) throw invalidDpopProof('proof is not a compact JWS');
  const [headerPart, payloadPart, signaturePart] = proof.split('.') as [string, string, string];
  const { alg, thumbprint, key } = headers.check(headerPart);

  const input = Buffer.from(`${headerPart}.${payloadPart}`);
  let valid: boolean;
  try {
    valid = signatureValid(alg, key, input, Buffer.from(signaturePart, 'base64url'));
  } catch {
    valid = false; // e.g. a signature of the wrong length for the curve
  }
  if (!valid) throw invalidDpopProof('proof signature does not verify with its jwk');

  const claims = decodeObject(payloadPart, 'payload');
  const { jti, htm, htu, iat, ath, nonce } = claims;
  if (typeof jti !== 'string' || jti === '') throw invalidDpopProof('proof jti is missing');
  if (jti.length > MAX_JTI_LENGTH) throw invalidDpopProof('proof jti is too long');
  if (htm !== expected.method) throw invalidDpopProof('proof htm is not the request method');
  if (typeof htu !== 'string' || expected.normaliseHtu(htu) !== expected.targetUri)
    throw invalidDpopProof('proof htu is not the request URL');
  if (typeof iat !== 'number' || !Number.isFinite(iat))
    throw invalidDpopProof('proof iat is missing');
  if (iat < expected.nowSeconds - expected.maxAgeSeconds)
    throw invalidDpopProof('proof iat is too old');
  if (iat > expected.nowSeconds + expected.maxFutureSeconds)
    throw invalidDpopProof('proof iat is in the future');
  if (typeof ath !== 'string') throw invalidDpopProof('proof ath is missing');
  if (ath !== expected.accessTokenHash)
    throw invalidDpopProof('proof ath does not match the access token');
  if (nonce !== undefined && typeof nonce !== 'string')
    throw invalidDpopProof('proof nonce is not a string');
  return { thumbprint, jti, iat, nonce };
}
