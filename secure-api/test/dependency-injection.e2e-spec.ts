// Type-based dependency injection depends on `design:paramtypes` metadata, which a test
// transform can silently drop (a type-only import, a transform without decorator metadata).
// This spec fails when that happens, before any other spec gets a confusing undefined.
import { describe, expect, it } from '@jest/globals';
import { Reflector } from '@nestjs/core';
import { DpopVerifier } from '../src/auth/dpop-verifier.js';
import { JwtAuthGuard } from '../src/auth/jwt-auth.guard.js';
import { JwtStrategy } from '../src/auth/jwt.strategy.js';
import { ScopesGuard } from '../src/auth/scopes.guard.js';
import { SigningKeyStore } from '../src/auth/signing-key-store.js';
import { VerifiedTokenCache } from '../src/auth/verified-token-cache.js';
import { CustomersController } from '../src/customers/customers.controller.js';
import { CustomersRepository } from '../src/customers/customers.repository.js';
import { HealthController } from '../src/health/health.controller.js';
import { JwksServer } from './support/jwks-server.js';
import { startTestApp, testConfig } from './support/test-app.js';

function paramTypes(target: object): unknown[] {
  return (Reflect.getMetadata('design:paramtypes', target) as unknown[] | undefined) ?? [];
}

describe('constructor types survive the test transform', () => {
  it('design:paramtypes names the injected classes', () => {
    expect(paramTypes(CustomersController)).toEqual([CustomersRepository]);
    expect(paramTypes(JwtAuthGuard)).toEqual([
      Reflector,
      JwtStrategy,
      SigningKeyStore,
      VerifiedTokenCache,
      DpopVerifier,
    ]);
    expect(paramTypes(ScopesGuard)).toEqual([Reflector, DpopVerifier]);
    expect(paramTypes(HealthController)[0]).toBe(SigningKeyStore);
  });

  it('the booted app injects real instances', async () => {
    const jwks = await new JwksServer().start();
    const api = await startTestApp(testConfig(jwks.issuer, jwks.uri));
    try {
      const controller = api.app.get(CustomersController);
      const repository = (controller as unknown as { customers: unknown }).customers;
      expect(repository).toBeInstanceOf(CustomersRepository);
      expect(api.app.get(SigningKeyStore)).toBeInstanceOf(SigningKeyStore);
    } finally {
      await api.close();
      await jwks.stop();
    }
  });
});
