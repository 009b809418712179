// Key pairs in the forms the functions' environment takes them: a one-line JWK or a PKCS#8 PEM
// (written on one line with `\n`, as in a .env file), made fresh per test file.
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';

export interface TestKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The private key as a one-line JWK. */
  jwkLine: string;
  /** The private key as PKCS#8 PEM with its line breaks written as `\n`. */
  pemLine: string;
  pem: string;
  /** The private JWK's `d`, or the PEM's base64 body: text that must never leak. */
  secretParts: string[];
}

function testKeyOf(privateKey: KeyObject): TestKey {
  const jwk = privateKey.export({ format: 'jwk' });
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const body = pem.split('\n').filter((line) => line && !line.startsWith('-----'));
  return {
    privateKey,
    publicKey: createPublicKey(privateKey),
    jwkLine: JSON.stringify(jwk),
    pemLine: pem.trim().replace(/\n/g, '\\n'),
    pem,
    secretParts: [String(jwk.d), ...body.slice(1, 3)],
  };
}

export function dpopTestKey(): TestKey {
  return testKeyOf(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
}

export function rsaTestKey(modulusLength = 2048): TestKey {
  return testKeyOf(generateKeyPairSync('rsa', { modulusLength }).privateKey);
}

export function thumbprintOf(key: TestKey): Promise<string> {
  return calculateJwkThumbprint(key.publicKey.export({ format: 'jwk' }));
}
