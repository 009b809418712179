// Authorization-header duplicates and key-set changes against the real app (fault catalogue
// rows AK, docs/fault-catalogue/api-dpop.md): what the verified-token cache must forget when
// the tenant's keys change, and what it may keep while the key-set endpoint is down. Each case
// boots its own app so that it starts from a cold key cache.
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AuthTuning } from '../src/app.module.js';
import {
  DEFAULT_SIGNING_KEY_STORE_OPTIONS,
  SigningKeyStore,
} from '../src/auth/signing-key-store.js';
import { startColdApp, type ColdApp } from './support/key-set.js';
import { createSigningKey, type TestSigningKey } from './support/signing-keys.js';
import { mint } from './support/tokens.js';

let key: TestSigningKey;
let otherKey: TestSigningKey;
const cleanups: Array<() => Promise<void>> = [];

async function setup(
  keyStore: AuthTuning['keyStore'] = {},
): Promise<ColdApp & { keys: SigningKeyStore }> {
  const started = await startColdApp(key, keyStore, cleanups);
  return { ...started, keys: started.api.app.get(SigningKeyStore) };
}

beforeAll(async () => {
  [key, otherKey] = await Promise.all([createSigningKey('key-1'), createSigningKey('key-2')]);
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('Authorization header', () => {
  it('AK1: two Authorization headers are 400 invalid_request, even when the first holds a cached token', async () => {
    const { jwks, api } = await setup();
    const token = await mint({ issuer: jwks.issuer, key });
    expect((await api.request({ url: '/secure', token })).statusCode).toBe(200); // now cached
    for (const authorization of [
      [`Bearer ${token}`, 'Bearer other'],
      ['Bearer other', `Bearer ${token}`],
      [`Bearer ${token}`, `Bearer ${token}`],
      [`Bearer ${token}`, `DPoP ${token}`],
    ]) {
      const response = await api.request({ url: '/secure', headers: { authorization } });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        statusCode: 400,
        error: 'invalid_request',
        message: 'Only one Authorization header is allowed',
      });
      expect(response.headers['www-authenticate']).toMatch(
        /^Bearer realm="secure-api", error="invalid_request"/,
      );
    }
  });
});

describe('key-set changes and the verified-token cache', () => {
  it('AK2: a kid republished with new key material stops the tokens of the old key after the refetch', async () => {
    const { jwks, api, keys } = await setup();
    const oldToken = await mint({ issuer: jwks.issuer, key });
    expect((await api.request({ url: '/secure', token: oldToken })).statusCode).toBe(200);
    // Same kid, another key pair: only the key material changes.
    const replacement = { ...otherKey, kid: key.kid, jwk: { ...otherKey.jwk, kid: key.kid } };
    jwks.keys = [replacement.jwk];
    await keys.refresh();
    const refused = await api.request({ url: '/secure', token: oldToken });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error).toBe('invalid_token');
    const newToken = await mint({ issuer: jwks.issuer, key: replacement });
    expect((await api.request({ url: '/secure', token: newToken })).statusCode).toBe(200);
  });

  it('AK3: a repeated token is served from the verified-token cache, without a second key lookup', async () => {
    const { jwks, api, keys } = await setup();
    const token = await mint({ issuer: jwks.issuer, key });
    expect((await api.request({ url: '/secure', token })).statusCode).toBe(200);
    const lookups = keys.lookupCount;
    expect(lookups).toBeGreaterThan(0);
    for (let i = 0; i < 3; i += 1) {
      expect((await api.request({ url: '/secure', token })).statusCode).toBe(200);
    }
    expect(keys.lookupCount).toBe(lookups);
  });

  it('AK4: a key removed from the set stops a cached token once the set is refetched', async () => {
    const { jwks, api } = await setup();
    jwks.keys = [key.jwk, otherKey.jwk];
    const token = await mint({ issuer: jwks.issuer, key: otherKey });
    expect((await api.request({ url: '/secure', token })).statusCode).toBe(200); // fetch + cache
    expect((await api.request({ url: '/secure', token })).statusCode).toBe(200); // cache hit
    jwks.keys = [key.jwk];
    // A token with an unknown kid makes the API refetch the set, as a rotation would.
    const unknown = await mint({ issuer: jwks.issuer, key: { ...key, kid: 'rotated-in' } });
    expect((await api.request({ url: '/secure', token: unknown })).statusCode).toBe(401);
    expect(jwks.requests).toBe(2);
    const refused = await api.request({ url: '/secure', token });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error).toBe('invalid_token');
  });

  it('AK5: with the key-set endpoint down past the cache age, a token verified with the stale key is cached for a short while', async () => {
    const { jwks, api, keys } = await setup({ cacheMaxAgeMs: 300 });
    const token = await mint({ issuer: jwks.issuer, key });
    expect((await api.request({ url: '/secure', token })).statusCode).toBe(200);
    jwks.mode = 'error';
    await sleep(400); // past the cache age: the key set is stale and cannot be refreshed
    expect((await api.request({ url: '/secure', token })).statusCode).toBe(200); // stale key
    const lookups = keys.lookupCount;
    for (let i = 0; i < 3; i += 1) {
      expect((await api.request({ url: '/secure', token })).statusCode).toBe(200);
    }
    expect(keys.lookupCount).toBe(lookups);
    expect(keys.verdictExpiresAt(keys.keySetFetchedAt)).toBeLessThanOrEqual(Date.now() + 30_000);
  });

  it('AK6: a new kid whose key-set fetch failed is retried after the Retry-After, not after the unknown-kid cooldown', async () => {
    // The store's clock is the test's: the waits are stepped, not slept.
    let now = Date.now();
    const { failureBackoffMs, unknownKidCooldownMs } = DEFAULT_SIGNING_KEY_STORE_OPTIONS;
    // The production waits (the test app's defaults turn the backoff off).
    const { jwks, api } = await setup({ failureBackoffMs, unknownKidCooldownMs, clock: () => now });
    expect(
      (await api.request({ url: '/secure', token: await mint({ issuer: jwks.issuer, key }) }))
        .statusCode,
    ).toBe(200);
    // A rotation while the key-set endpoint is down: the new key's kid cannot be fetched.
    jwks.keys = [key.jwk, otherKey.jwk];
    jwks.mode = 'error';
    const rotated = await mint({ issuer: jwks.issuer, key: otherKey });
    const failed = await api.request({ url: '/secure', token: rotated });
    expect(failed.statusCode).toBe(503);
    expect(failed.json().error).toBe('jwks_unavailable');
    expect(failed.headers['retry-after']).toBe(String(failureBackoffMs / 1000));
    expect(jwks.requests).toBe(2);
    // The endpoint is back; within the backoff the API still answers 503 without fetching.
    jwks.mode = 'ok';
    now += failureBackoffMs / 2;
    const early = await api.request({ url: '/secure', token: rotated });
    expect(early.statusCode).toBe(503);
    expect(Number(early.headers['retry-after'])).toBeLessThanOrEqual(failureBackoffMs / 1000);
    expect(jwks.requests).toBe(2);
    // Once the announced Retry-After has passed, well inside the cooldown, the new kid works.
    now += failureBackoffMs / 2;
    expect(failureBackoffMs).toBeLessThan(unknownKidCooldownMs);
    expect((await api.request({ url: '/secure', token: rotated })).statusCode).toBe(200);
    expect(jwks.requests).toBe(3);
    // After that good fetch the cooldown holds again: another unknown kid fetches nothing.
    const unknown = await mint({ issuer: jwks.issuer, key: { ...key, kid: 'no-such-kid' } });
    const refused = await api.request({ url: '/secure', token: unknown });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error).toBe('invalid_token');
    expect(jwks.requests).toBe(3);
  });
});
