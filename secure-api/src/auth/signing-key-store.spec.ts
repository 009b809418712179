// The key store's timing rules with a fake clock, against a real local JWKS server.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { JwksServer } from '../../test/support/jwks-server.js';
import { createSigningKey, type TestSigningKey } from '../../test/support/signing-keys.js';
import { DEFAULT_SIGNING_KEY_STORE_OPTIONS, SigningKeyStore } from './signing-key-store.js';

let jwks: JwksServer;
let key: TestSigningKey;
let weakKey: TestSigningKey;

beforeAll(async () => {
  [key, weakKey] = await Promise.all([createSigningKey('key-1'), createSigningKey('weak', 1024)]);
  jwks = await new JwksServer().start();
});

afterAll(async () => {
  await jwks.stop();
});

function store(clock: () => number): SigningKeyStore {
  return new SigningKeyStore({
    ...DEFAULT_SIGNING_KEY_STORE_OPTIONS,
    jwksUri: jwks.uri,
    timeoutMs: 1000,
    clock,
  });
}

describe('SigningKeyStore', () => {
  it('hands out parsed KeyObjects, skipping keys under 2048 bits and non-RS256 keys', async () => {
    jwks.mode = 'ok';
    jwks.keys = [key.jwk, weakKey.jwk, { ...key.jwk, kid: 'ps', alg: 'PS256' }];
    const keys = store(Date.now);
    const { key: found } = await keys.getKey('key-1');
    expect(found.type).toBe('public');
    expect(found.asymmetricKeyType).toBe('rsa');
    await expect(keys.getKey('weak')).rejects.toMatchObject({ code: 'invalid_token' });
    await expect(keys.getKey('ps')).rejects.toMatchObject({ code: 'invalid_token' });
  });

  it('answers freshKey at once only from a fresh key set, leaving fetches to getKey', async () => {
    jwks.mode = 'ok';
    jwks.keys = [key.jwk];
    let now = 1_000_000;
    const keys = store(() => now);
    expect(keys.freshKey('key-1')).toBeUndefined(); // nothing fetched yet
    const fetched = await keys.getKey('key-1');
    expect(keys.freshKey('key-1')).toEqual(fetched);
    expect(keys.freshKey('other')).toBeUndefined(); // unknown kid: getKey decides
    now += DEFAULT_SIGNING_KEY_STORE_OPTIONS.cacheMaxAgeMs - 1;
    expect(keys.freshKey('key-1')).toEqual(fetched);
    now += 1;
    expect(keys.freshKey('key-1')).toBeUndefined(); // at the cache age: getKey refreshes
    expect(keys.fetchCount).toBe(1);
  });

  it('serves the last good keys past the cache age while the endpoint fails, until the fallback window ends', async () => {
    jwks.mode = 'ok';
    jwks.keys = [key.jwk];
    let now = 1_000_000;
    const keys = store(() => now);
    await keys.getKey('key-1');
    jwks.mode = 'error';
    now += DEFAULT_SIGNING_KEY_STORE_OPTIONS.cacheMaxAgeMs + 1;
    await expect(keys.getKey('key-1')).resolves.toBeDefined(); // stale, refresh in background
    now += DEFAULT_SIGNING_KEY_STORE_OPTIONS.staleFallbackMs;
    await expect(keys.getKey('key-1')).rejects.toMatchObject({ code: 'jwks_unavailable' });
  });

  it('after a failed fetch, waits the backoff before fetching again (503 meanwhile)', async () => {
    jwks.mode = 'error';
    let now = 5_000_000;
    const keys = store(() => now);
    const before = jwks.requests;
    await expect(keys.getKey('key-1')).rejects.toMatchObject({ code: 'jwks_unavailable' });
    await expect(keys.getKey('key-1')).rejects.toMatchObject({ code: 'jwks_unavailable' });
    expect(jwks.requests - before).toBe(1);
    jwks.mode = 'ok';
    now += DEFAULT_SIGNING_KEY_STORE_OPTIONS.failureBackoffMs;
    await expect(keys.getKey('key-1')).resolves.toBeDefined();
    expect(jwks.requests - before).toBe(2);
  });

  it('tells listeners when the set of kids changes', async () => {
    jwks.mode = 'ok';
    jwks.keys = [key.jwk];
    let now = 9_000_000;
    const keys = store(() => now);
    let changes = 0;
    keys.onKeySetChanged(() => (changes += 1));
    await keys.refresh();
    await keys.getKey('key-1');
    now += DEFAULT_SIGNING_KEY_STORE_OPTIONS.unknownKidCooldownMs;
    jwks.keys = [{ ...key.jwk, kid: 'key-renamed' }];
    await keys.refresh();
    expect(changes).toBe(2);
    await expect(keys.getKey('key-1')).rejects.toMatchObject({ code: 'invalid_token' });
  });
});
