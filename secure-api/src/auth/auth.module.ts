// Wires the authentication layer: one SigningKeyStore (one JWKS client) per app, the cache
// of verified tokens, the DPoP proof verifier, the passport-jwt strategy, and the two global guards (JWT, then scopes).
import { type DynamicModule, Logger, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AUTH_OPTIONS, type AuthOptions } from './auth-options.js';
import { DEFAULT_DPOP_OPTIONS, DpopVerifier } from './dpop-verifier.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';
import { JwtStrategy } from './jwt.strategy.js';
import { ScopesGuard } from './scopes.guard.js';
import { DEFAULT_SIGNING_KEY_STORE_OPTIONS, SigningKeyStore } from './signing-key-store.js';
import {
  DEFAULT_VERIFIED_TOKEN_CACHE_OPTIONS,
  VerifiedTokenCache,
} from './verified-token-cache.js';

function createKeyStore(options: AuthOptions): SigningKeyStore {
  const logger = new Logger('SigningKeyStore');
  return new SigningKeyStore({
    ...DEFAULT_SIGNING_KEY_STORE_OPTIONS,
    ...options.keyStore,
    jwksUri: options.jwksUri,
    onEvent: (event) => {
      if (event.type === 'fetched')
        logger.log({ msg: 'signing keys fetched', kids: event.kids, changed: event.changed });
      else if (event.type === 'fetch_failed')
        logger.warn({ msg: 'signing key fetch failed', reason: event.reason });
      else if (event.type === 'key_material_changed')
        logger.warn({
          msg: 'a signing key id was republished with new key material',
          kid: event.kid,
        });
      else logger.debug({ msg: 'serving a stale signing key while refreshing', kid: event.kid });
    },
  });
}

function createVerifiedTokenCache(keys: SigningKeyStore): VerifiedTokenCache {
  const cache = new VerifiedTokenCache(DEFAULT_VERIFIED_TOKEN_CACHE_OPTIONS);
  keys.onKeySetChanged(() => cache.clear());
  return cache;
}

@Module({})
export class AuthModule {
  static forRoot(options: AuthOptions): DynamicModule {
    return {
      module: AuthModule,
      global: true,
      providers: [
        { provide: AUTH_OPTIONS, useValue: options },
        { provide: SigningKeyStore, useFactory: createKeyStore, inject: [AUTH_OPTIONS] },
        {
          provide: VerifiedTokenCache,
          useFactory: createVerifiedTokenCache,
          inject: [SigningKeyStore],
        },
        {
          provide: DpopVerifier,
          useFactory: (o: AuthOptions) => new DpopVerifier({ ...DEFAULT_DPOP_OPTIONS, ...o.dpop }),
          inject: [AUTH_OPTIONS],
        },
        JwtStrategy,
        { provide: APP_GUARD, useClass: JwtAuthGuard },
        { provide: APP_GUARD, useClass: ScopesGuard },
      ],
      exports: [SigningKeyStore, VerifiedTokenCache, JwtStrategy, DpopVerifier],
    };
  }
}
