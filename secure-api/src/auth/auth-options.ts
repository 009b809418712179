// Options of the authentication layer, split from AppConfig so that tests can shorten the
// key store's timings.
import type { DpopOptions } from './dpop-verifier.js';
import type { SigningKeyStoreOptions } from './signing-key-store.js';

export interface AuthOptions {
  issuer: string;
  audience: string;
  jwksUri: string;
  /** Overrides of the key store's timings (defaults in DEFAULT_SIGNING_KEY_STORE_OPTIONS). */
  keyStore?: Partial<Omit<SigningKeyStoreOptions, 'jwksUri' | 'onEvent'>>;
  /** DPoP mode, public origin, nonce secret and limits (defaults in DEFAULT_DPOP_OPTIONS). */
  dpop?: Partial<DpopOptions>;
}

export const AUTH_OPTIONS = Symbol('AUTH_OPTIONS');
