// Real RSA key pairs for tests, with their public JWKs (kid, alg RS256, use sig).
import { exportJWK, type JWK } from 'jose';
import { generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';

const generateRsaKeyPair = promisify(generateKeyPair);

export interface TestSigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  jwk: JWK;
}

export async function createSigningKey(kid: string, modulusLength = 2048): Promise<TestSigningKey> {
  const { privateKey, publicKey } = await generateRsaKeyPair('rsa', { modulusLength });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  return { kid, privateKey, publicKey, jwk };
}
