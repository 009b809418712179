// Options of the authentication layer, split from AppConfig so that tests can shorten the
// key store's timings.
import type { SigningKeyStoreOptions } from './signing-key-store.js';

export interface AuthOptions {
  issuer: string;
  audience: string;
  jwksUri: string;
  /** Overrides of the key store's timings (defaults in DEFAULT_SIGNING_KEY_STORE_OPTIONS). */
  keyStore?: Partial<Omit<SigningKeyStoreOptions, 'jwksUri' | 'onEvent'>>;
}

export const AUTH_OPTIONS = Symbol('AUTH_OPTIONS');
