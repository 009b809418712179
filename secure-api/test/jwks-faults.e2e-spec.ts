// Section B of bad-input-and-faults.md: faults of the key set (JWKS) endpoint, staged on a
// real local HTTP server whose requests are counted. Each case boots its own app so that
// it starts from a cold key cache.
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AuthTuning } from '../src/app.module.js';
import { DEFAULT_SIGNING_KEY_STORE_OPTIONS } from '../src/auth/signing-key-store.js';
import type { JwksServer } from './support/jwks-server.js';
import { startColdApp, type ColdApp } from './support/key-set.js';
import { createSigningKey, type TestSigningKey } from './support/signing-keys.js';
import { expectErrorAnswer } from './support/test-app.js';
import { mint } from './support/tokens.js';

let key: TestSigningKey;
let nextKey: TestSigningKey;
const cleanups: Array<() => Promise<void>> = [];

function setup(keyStore: AuthTuning['keyStore'] = {}): Promise<ColdApp> {
  return startColdApp(key, keyStore, cleanups);
}

function token(jwks: JwksServer, signingKey = key, kid?: string): Promise<string> {
  return mint({ issuer: jwks.issuer, key: kid ? { ...signingKey, kid } : signingKey });
}

beforeAll(async () => {
  [key, nextKey] = await Promise.all([createSigningKey('key-1'), createSigningKey('key-2')]);
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('B. key set (JWKS) faults', () => {
  it('B22: an unknown kid causes one JWKS refetch at most, then 401', async () => {
    // A cooldown long enough that a busy machine cannot outlast it between the two unknown
    // kids below (their tokens are minted beforehand).
    const { jwks, api } = await setup({ unknownKidCooldownMs: 1000 });
    const unknownToken = await token(jwks, key, 'no-such-kid');
    const anotherUnknownToken = await token(jwks, key, 'another-unknown');
    expect((await api.request({ url: '/secure', token: await token(jwks) })).statusCode).toBe(200);
    expect(jwks.requests).toBe(1);
    await sleep(1050); // past the cooldown: an unknown kid may refetch once
    const unknown = await api.request({ url: '/secure', token: unknownToken });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json().error).toBe('invalid_token');
    expect(jwks.requests).toBe(2);
    const again = await api.request({ url: '/secure', token: anotherUnknownToken });
    expect(again.statusCode).toBe(401);
    expect(jwks.requests).toBe(2);
  });

  it('B23: a flood of random kids keeps JWKS refetches bounded while known kids keep getting 200', async () => {
    const { jwks, api } = await setup({ unknownKidCooldownMs: 60_000 });
    const good = await token(jwks);
    expect((await api.request({ url: '/secure', token: good })).statusCode).toBe(200);
    const floods = await Promise.all(
      Array.from({ length: 100 }, (_, i) => token(jwks, key, `random-${i}-${Math.random()}`)),
    );
    const results = await Promise.all(
      floods.flatMap((hostile) => [
        api.request({ url: '/secure', token: hostile }),
        api.request({ url: '/secure', token: good }),
      ]),
    );
    const statuses = results.map((r) => r.statusCode);
    expect(statuses.filter((_, i) => i % 2 === 0).every((s) => s === 401)).toBe(true);
    expect(statuses.filter((_, i) => i % 2 === 1).every((s) => s === 200)).toBe(true);
    // The first fetch, plus at most one refetch for the whole flood (one cooldown).
    expect(jwks.requests).toBeLessThanOrEqual(2);
  });

  it('B24: JWKS down with no cached key is 503 jwks_unavailable with Retry-After, not 401', async () => {
    const { jwks, api } = await setup();
    const tokenBeforeStop = await token(jwks);
    await jwks.stop();
    const response = await api.request({ url: '/secure', token: tokenBeforeStop });
    expectErrorAnswer(response, 503, 'jwks_unavailable');
    expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(response.headers['www-authenticate']).toBeUndefined();
    const ready = await api.request({ url: '/health/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().checks.signingKeys).toBe('unavailable');
  });

  it('B25: JWKS down with a warm cache: known keys keep validating, also past the cache age', async () => {
    const { jwks, api } = await setup({ cacheMaxAgeMs: 100 });
    expect((await api.request({ url: '/secure', token: await token(jwks) })).statusCode).toBe(200);
    await jwks.stop();
    expect((await api.request({ url: '/secure', token: await token(jwks) })).statusCode).toBe(200);
    await sleep(150); // the key set is now older than its cache age; the endpoint is down
    for (let i = 0; i < 3; i += 1) {
      expect((await api.request({ url: '/secure', token: await token(jwks) })).statusCode).toBe(
        200,
      );
    }
    expect((await api.request({ url: '/health/ready' })).statusCode).toBe(200);
  });

  it('B26: JWKS answering 5xx, HTML, an empty set or garbage is not cached; the next request retries', async () => {
    const { jwks, api } = await setup();
    const valid = await token(jwks);
    let expectedFetches = 0;
    for (const mode of ['error', 'html', 'empty', 'garbage'] as const) {
      jwks.mode = mode;
      const response = await api.request({ url: '/secure', token: valid });
      expectedFetches += 1;
      expect(response.statusCode).toBe(503);
      expect(response.json().error).toBe('jwks_unavailable');
      expect(jwks.requests).toBe(expectedFetches);
    }
    jwks.mode = 'ok';
    expect((await api.request({ url: '/secure', token: valid })).statusCode).toBe(200);
    expect(jwks.requests).toBe(expectedFetches + 1);
  });

  it('B27: a hanging JWKS makes the request fail with 503 after the 5 s default timeout, not 30 s', async () => {
    expect(DEFAULT_SIGNING_KEY_STORE_OPTIONS.timeoutMs).toBeLessThanOrEqual(5000);
    const { jwks, api } = await setup({ timeoutMs: DEFAULT_SIGNING_KEY_STORE_OPTIONS.timeoutMs });
    jwks.mode = 'hang';
    // The test's own timeout (15 s) fails it if the JWKS request waited anywhere near 30 s.
    const response = await api.request({ url: '/secure', token: await token(jwks) });
    expect(response.statusCode).toBe(503);
    expect(response.json().error).toBe('jwks_unavailable');
  }, 15_000);

  it('B28: key rotation (a new kid appears) causes one refetch, then 200', async () => {
    // Production cooldown, no waiting: a rotation right after a fetch is picked up at once.
    const { jwks, api } = await setup({
      unknownKidCooldownMs: DEFAULT_SIGNING_KEY_STORE_OPTIONS.unknownKidCooldownMs,
    });
    expect((await api.request({ url: '/secure', token: await token(jwks) })).statusCode).toBe(200);
    jwks.keys = [key.jwk, nextKey.jwk];
    const rotated = await token(jwks, nextKey);
    expect((await api.request({ url: '/secure', token: rotated })).statusCode).toBe(200);
    expect(jwks.requests).toBe(2);
    expect((await api.request({ url: '/secure', token: rotated })).statusCode).toBe(200);
    expect((await api.request({ url: '/secure', token: await token(jwks) })).statusCode).toBe(200);
    expect(jwks.requests).toBe(2);
  });

  it('B29: many concurrent requests on a cold cache make one JWKS fetch', async () => {
    const { jwks, api } = await setup();
    jwks.delayMs = 200; // keep the fetch in flight while the requests pile up
    const tokens = await Promise.all(Array.from({ length: 40 }, () => token(jwks)));
    const responses = await Promise.all(
      tokens.map((t) => api.request({ url: '/secure', token: t })),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(tokens.map(() => 200));
    expect(jwks.requests).toBe(1);
  });
});
