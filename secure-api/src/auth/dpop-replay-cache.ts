// The proofs this process has accepted, by key thumbprint and jti, kept for the iat window
// (a proof older than the window is refused anyway, so its jti need not be remembered).
// Bounded: at most `maxEntries` proofs (DEFAULT_DPOP_OPTIONS: 100,000, ~15 MB) per process.
// Past that many accepted proofs within one window (~300 DPoP requests/s sustained for five
// minutes), the oldest jtis are forgotten first, and only those could be replayed within the
// rest of their window. Only fully verified proofs (valid token, valid signature) are
// recorded, so filling the cache takes a caller holding a bound token and its private key.
import { LRUCache } from 'lru-cache';

export class DpopReplayCache {
  private readonly seen: LRUCache<string, true>;

  constructor(
    maxEntries: number,
    private readonly windowMs: number,
  ) {
    this.seen = new LRUCache({ max: maxEntries, ttl: windowMs, ttlAutopurge: false });
  }

  get size(): number {
    return this.seen.size;
  }

  /** Records the proof; false when it was seen before (a replay). */
  firstUse(thumbprint: string, jti: string): boolean {
    const key = `${thumbprint}.${jti}`;
    if (this.seen.has(key)) return false;
    this.seen.set(key, true, { ttl: this.windowMs });
    return true;
  }
}
