// The function's DPoP key (RFC 9449): an EC P-256 private key from DPOP_PRIVATE_KEY, imported
// once per container with its public JWK and RFC 7638 thumbprint worked out once, and the
// proofs it signs: one fresh proof per HTTP request (token request and every API call).
import { createHash, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import type * as JwsModule from './jws.private';
import type * as KeyTextModule from './private-key-text.private';
import type * as Loader from './loader.private';

const { shared } = module.require(Runtime.getFunctions()['lib/loader']!.path) as typeof Loader;
const { signJws } = shared<typeof JwsModule>('lib/jws');
const { parsePrivateKey, importOnce } = shared<typeof KeyTextModule>('lib/private-key-text');

export interface EcPublicJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
}

export interface ProofOptions {
  /** The access token the request carries (adds `ath`); absent at the token endpoint. */
  accessToken?: string;
  /** The server's latest `DPoP-Nonce`, when it gave one. */
  nonce?: string;
  now?: number;
}

export class DpopKey {
  readonly #privateKey: KeyObject;
  readonly publicJwk: EcPublicJwk;
  /** RFC 7638 SHA-256 thumbprint: the `jkt` a bound token carries in `cnf`. */
  readonly thumbprint: string;

  constructor(privateKey: KeyObject) {
    this.#privateKey = privateKey;
    const { x, y } = createPublicKey(privateKey).export({ format: 'jwk' });
    this.publicJwk = { kty: 'EC', crv: 'P-256', x: x as string, y: y as string };
    this.thumbprint = jwkThumbprint(this.publicJwk);
  }

  /** A new proof for one request: `htu` is `url` without its query and fragment. */
  proof(method: string, url: string, options: ProofOptions = {}): string {
    const payload: Record<string, unknown> = {
      htm: method.toUpperCase(),
      htu: proofUrl(url),
      iat: Math.floor((options.now ?? Date.now()) / 1000),
      jti: randomBytes(16).toString('base64url'), // 128 random bits (RFC 9449 §11.1)
    };
    if (options.accessToken !== undefined) payload.ath = accessTokenHash(options.accessToken);
    if (options.nonce !== undefined) payload.nonce = options.nonce;
    return signJws('ES256', this.#privateKey, { typ: 'dpop+jwt', jwk: this.publicJwk }, payload);
  }
}

/** RFC 7638: SHA-256 over the required members of the EC JWK in lexicographic order. */
export function jwkThumbprint(jwk: EcPublicJwk): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash('sha256').update(canonical, 'utf8').digest('base64url');
}

/** RFC 9449 §4.2 `ath`: base64url(SHA-256(the access token's ASCII)). */
export function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest('base64url');
}

/** RFC 9449 §4.2 `htu`: the request URL without query and fragment. */
export function proofUrl(url: string): string {
  const parsed = new URL(url);
  parsed.search = '';
  parsed.hash = '';
  return parsed.href;
}

/** The key in DPOP_PRIVATE_KEY's text, or null when it is not an EC P-256 private key. */
function importDpopKeyNow(text: string): DpopKey | null {
  const key = parsePrivateKey(text);
  if (key?.asymmetricKeyType !== 'ec') return null;
  if (key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') return null;
  return new DpopKey(key);
}

/** The DPoP key for this text, imported once per container. */
export const importDpopKey = importOnce(importDpopKeyNow);
