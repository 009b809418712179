// Where most tests begin: a signing key and a running key-set server that publishes it.
import { JwksServer } from './jwks-server.js';
import { createSigningKey, type TestSigningKey } from './signing-keys.js';

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
