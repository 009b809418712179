// Where most tests begin: a signing key and a running key-set server that publishes it, and
// for the key-cache cases an app of their own in front of it.
import type { AuthTuning } from '../../src/app.module.js';
import { JwksServer } from './jwks-server.js';
import { createSigningKey, type TestSigningKey } from './signing-keys.js';
import { startTestApp, testConfig, type TestApp } from './test-app.js';

export interface KeySet {
  key: TestSigningKey;
  jwks: JwksServer;
}

/** Starts a key-set server on a free loopback port publishing `key` (default: a new `key-1`). */
export async function startKeySet(key?: TestSigningKey): Promise<KeySet> {
  const signingKey = key ?? (await createSigningKey('key-1'));
  const jwks = await new JwksServer().start();
  jwks.keys = [signingKey.jwk];
  return { key: signingKey, jwks };
}

export interface ColdApp extends KeySet {
  api: TestApp;
}

/**
 * A key-set server publishing `key` and an app of its own trusting it, so a case starts from a
 * cold key cache. Pushes their stops onto `cleanups` (run in reverse: the app stops first).
 */
export async function startColdApp(
  key: TestSigningKey,
  keyStore: AuthTuning['keyStore'],
  cleanups: Array<() => Promise<void>>,
): Promise<ColdApp> {
  const { jwks } = await startKeySet(key);
  const api = await startTestApp(testConfig(jwks.issuer, jwks.uri), { auth: { keyStore } });
  cleanups.push(
    () => api.close(),
    () => jwks.stop(),
  );
  return { key, jwks, api };
}
