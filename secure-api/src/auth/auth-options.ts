// Options of the authentication layer, split from AppConfig so a benchmark can build the
// same app with parts switched off (the verified-token cache, KeyObject keys) and compare.
import type { SigningKeyStoreOptions } from './signing-key-store.js';
import type { VerifiedTokenCacheOptions } from './verified-token-cache.js';

export interface AuthOptions {
  issuer: string;
  audience: string;
  jwksUri: string;
  /** Overrides of the key store's timings (defaults in DEFAULT_SIGNING_KEY_STORE_OPTIONS). */
  keyStore?: Partial<Omit<SigningKeyStoreOptions, 'jwksUri' | 'onEvent'>>;
  /** false turns the cache of verified tokens off; an object tunes it. Default on. */
  verifiedTokenCache?: boolean | Partial<VerifiedTokenCacheOptions>;
  /**
   * What passport-jwt receives: a parsed KeyObject (default) or the PEM string, which
   * jsonwebtoken re-parses on every request (what jwks-rsa's passportJwtSecret does).
   */
  keyFormat?: 'keyobject' | 'pem';
}

export const AUTH_OPTIONS = Symbol('AUTH_OPTIONS');
