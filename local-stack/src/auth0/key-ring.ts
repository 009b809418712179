// The stand-in's signing keys: one current RS256 key signs, rotated-out keys stay published
// in the key set for a grace period (so tokens they signed still verify) and then retire.
// Retirement is computed when the key set is read, so no timer keeps a process alive.
import { exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { randomBytes } from 'node:crypto';
import { LocalStackError } from '../shared/local-stack-error';

interface PublishedKey {
  kid: string;
  jwk: JWK;
  /** When the key stopped signing; undefined for the current key. */
  retiredAtMs?: number;
  graceMs: number;
}

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
}

export class KeyRing {
  private readonly published: PublishedKey[] = [];

  private constructor(private current: SigningKey) {}

  static async create(): Promise<KeyRing> {
    const { key, published } = await KeyRing.newKey();
    const ring = new KeyRing(key);
    ring.published.push(published);
    return ring;
  }

  signingKey(): SigningKey {
    return this.current;
  }

  /** Starts signing with a fresh key; the previous one stays published for `graceSeconds`. */
  async rotate(graceSeconds: number, nowMs = Date.now()): Promise<{ kid: string }> {
    const { key, published } = await KeyRing.newKey();
    const previous = this.published.find((k) => k.kid === this.current.kid);
    if (previous) {
      previous.retiredAtMs = nowMs;
      previous.graceMs = graceSeconds * 1000;
    }
    this.current = key;
    this.published.push(published);
    return { kid: key.kid };
  }

  /** The public key set, as /.well-known/jwks.json serves it (current key first). */
  jwks(nowMs = Date.now()): { keys: JWK[] } {
    for (let i = this.published.length - 1; i >= 0; i--) {
      const k = this.published[i]!;
      if (k.retiredAtMs !== undefined && nowMs >= k.retiredAtMs + k.graceMs) {
        this.published.splice(i, 1);
      }
    }
    const ordered = [...this.published].sort(
      (a, b) => (a.retiredAtMs ?? Infinity) - (b.retiredAtMs ?? Infinity),
    );
    return { keys: ordered.reverse().map((k) => k.jwk) };
  }

  private static async newKey(): Promise<{ key: SigningKey; published: PublishedKey }> {
    try {
      const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048 });
      // Auth0's kids are opaque base64url strings; 16 random bytes look alike.
      const kid = randomBytes(16).toString('base64url');
      const jwk = await exportJWK(publicKey);
      // The members Auth0 publishes per key (x5c/x5t omitted: no certificate here).
      const publicJwk: JWK = { kty: jwk.kty!, use: 'sig', n: jwk.n!, e: jwk.e!, kid, alg: 'RS256' };
      return { key: { kid, privateKey }, published: { kid, jwk: publicJwk, graceMs: 0 } };
    } catch {
      throw new LocalStackError('KEY_GENERATION_FAILED', 'Cannot generate an RS256 key pair');
    }
  }
}
