// Private Key JWT client authentication (RFC 7523, as Auth0 documents it): the RSA key from
// AUTH0_CLIENT_ASSERTION_KEY, imported once per container, and the short-lived assertion it
// signs in place of a client secret. A new assertion (new `jti`) is made for every attempt of a
// token request, so a retry never reuses one.
import { randomUUID, type KeyObject } from 'node:crypto';
import type * as JwsModule from './jws.private';
import type * as KeyTextModule from './private-key-text.private';
import type * as Loader from './loader.private';

const { shared } = module.require(Runtime.getFunctions()['lib/loader']!.path) as typeof Loader;
const { signJws } = shared<typeof JwsModule>('lib/jws');
const { parsePrivateKey, importOnce } = shared<typeof KeyTextModule>('lib/private-key-text');

/** The algorithms Auth0 accepts for a Private Key JWT credential. */
export const ASSERTION_ALGS = ['RS256', 'RS384', 'PS256'] as const;
export type AssertionAlg = (typeof ASSERTION_ALGS)[number];

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const MIN_RSA_BITS = 2048;
/** Well inside Auth0's 5-minute maximum, long enough for a slow request. */
const LIFETIME_S = 60;

export class ClientAssertionKey {
  readonly #privateKey: KeyObject;

  constructor(
    privateKey: KeyObject,
    readonly alg: AssertionAlg,
    /** Auth0's credential id, sent as `kid` so Auth0 picks the right one of two credentials. */
    readonly kid: string | undefined,
  ) {
    this.#privateKey = privateKey;
  }

  /** A new assertion for one token request to `tokenUrl`. */
  assertion(clientId: string, tokenUrl: string, now = Date.now()): string {
    const iat = Math.floor(now / 1000);
    return signJws(
      this.alg,
      this.#privateKey,
      this.kid === undefined ? { typ: 'JWT' } : { typ: 'JWT', kid: this.kid },
      {
        iss: clientId,
        sub: clientId,
        // Auth0 wants its tenant URL with the trailing slash: the token URL's origin.
        aud: `${new URL(tokenUrl).origin}/`,
        jti: randomUUID(),
        iat,
        exp: iat + LIFETIME_S,
      },
    );
  }
}

/** The RSA key (at least 2048 bits) in the variable's text, or null when it is not one. */
function importRsaKeyNow(text: string): KeyObject | null {
  const key = parsePrivateKey(text);
  if (key?.asymmetricKeyType !== 'rsa') return null;
  return (key.asymmetricKeyDetails?.modulusLength ?? 0) >= MIN_RSA_BITS ? key : null;
}

/** The assertion signing key for this text, imported once per container. */
export const importAssertionKey = importOnce(importRsaKeyNow);
