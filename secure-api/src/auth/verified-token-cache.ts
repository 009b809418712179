// A bounded LRU of tokens this process has already verified, keyed by the full token string:
// a hit is an exact, byte-for-byte match of a token whose signature and claims passed, so no
// check is ever skipped for a token that was not itself verified. An entry expires at the
// earlier of the token's `exp` and the end of the key-set cache age it was verified under,
// and the whole cache is dropped when the key set changes (a removed key must stop working).
// Clients reuse one token for hours, so a hit saves the RSA verification (~13k/s → millions/s).
import { LRUCache } from 'lru-cache';
import type { VerifiedClaims } from './verified-claims.js';

export interface VerifiedTokenCacheOptions {
  maxEntries: number;
  /** Upper bound of the memory held by keys, in characters. */
  maxTotalTokenChars: number;
  clock?: () => number;
}

export const DEFAULT_VERIFIED_TOKEN_CACHE_OPTIONS: VerifiedTokenCacheOptions = {
  maxEntries: 10_000,
  maxTotalTokenChars: 16 * 1024 * 1024,
};

interface Entry {
  claims: Readonly<VerifiedClaims>;
  expiresAt: number;
}

export class VerifiedTokenCache {
  private readonly lru: LRUCache<string, Entry>;
  private readonly now: () => number;

  constructor(options: VerifiedTokenCacheOptions = DEFAULT_VERIFIED_TOKEN_CACHE_OPTIONS) {
    this.now = options.clock ?? Date.now;
    this.lru = new LRUCache<string, Entry>({
      max: options.maxEntries,
      maxSize: options.maxTotalTokenChars,
      sizeCalculation: (_entry, token) => token.length,
    });
  }

  get size(): number {
    return this.lru.size;
  }

  /** The verified claims of exactly this token, if it was verified and has not expired. */
  get(token: string): Readonly<VerifiedClaims> | undefined {
    const entry = this.lru.get(token);
    if (entry === undefined) return undefined;
    if (this.now() >= entry.expiresAt) {
      this.lru.delete(token);
      return undefined;
    }
    return entry.claims;
  }

  /**
   * Remembers a token that has just been fully verified and returns its claims frozen: the
   * cache hands the same object to every later request with this token, so it is frozen in
   * place (the claims object is the verifier's fresh parse, owned by the caller) rather than
   * copied. `keySetExpiresAt` is when the key set it was verified against reaches its cache age.
   */
  set(token: string, claims: VerifiedClaims, keySetExpiresAt: number): Readonly<VerifiedClaims> {
    const frozen = Object.freeze(claims);
    const expiresAt = Math.min(claims.exp * 1000, keySetExpiresAt);
    if (expiresAt > this.now()) this.lru.set(token, { claims: frozen, expiresAt });
    return frozen;
  }

  clear(): void {
    this.lru.clear();
  }
}
