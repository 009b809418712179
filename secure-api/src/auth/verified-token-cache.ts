// A bounded LRU of tokens this process has already verified. A hit is an exact, byte-for-byte
// match of a token whose signature and claims passed, so no check is ever skipped for a token
// that was not itself verified. An entry expires at the earlier of the token's `exp` and the
// end of the key-set cache age it was verified under, and the whole cache is dropped when the
// key set changes (a removed key must stop working). Clients reuse one token for hours, so a
// hit saves the RSA verification (~40k/s → hundreds of thousands/s).
//
// Entries are found by the token's last LOOKUP_KEY_CHARS characters (the end of its RS256
// signature) and accepted only when the stored token equals the presented one. A Map lookup
// hashes its whole key, and hashing a fresh ~750-character header string on every request cost
// more than the rest of the guard together; a string comparison is a memcmp. Two verified
// tokens ending alike would only take each other's slot (a miss, then a fresh verification).
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

/** Characters at the end of a token that locate its entry (the whole token if shorter). */
export const LOOKUP_KEY_CHARS = 32;

const lookupKey = (token: string): string => token.slice(-LOOKUP_KEY_CHARS);

interface Entry {
  token: string;
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
      sizeCalculation: (entry) => entry.token.length,
    });
  }

  get size(): number {
    return this.lru.size;
  }

  /** The verified claims of exactly this token, if it was verified and has not expired. */
  get(token: string): Readonly<VerifiedClaims> | undefined {
    const key = lookupKey(token);
    const entry = this.lru.get(key);
    if (entry === undefined || entry.token !== token) return undefined;
    if (this.now() >= entry.expiresAt) {
      this.lru.delete(key);
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
    if (expiresAt > this.now())
      this.lru.set(lookupKey(token), { token, claims: frozen, expiresAt });
    return frozen;
  }

  clear(): void {
    this.lru.clear();
  }
}
