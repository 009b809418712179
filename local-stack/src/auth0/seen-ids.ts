// One-time identifiers (a DPoP proof's or a client assertion's `jti`) remembered until the
// moment after which the credential carrying them would be refused anyway, so a replay is
// caught and memory stays bounded. Expired entries are dropped as new ones arrive.
const DEFAULT_LIMIT = 100_000;

export class SeenIds {
  private readonly expiries = new Map<string, number>();

  constructor(private readonly limit = DEFAULT_LIMIT) {}

  /** Records `id` until `expiresAtMs`; false when it is already recorded (a replay) or full. */
  remember(id: string, expiresAtMs: number, nowMs = Date.now()): boolean {
    this.forgetExpired(nowMs);
    const known = this.expiries.get(id);
    if (known !== undefined && known > nowMs) return false;
    // Full of live ids: refusing is safer than forgetting one that could then be replayed.
    if (this.expiries.size >= this.limit) return false;
    this.expiries.set(id, expiresAtMs);
    return true;
  }

  private forgetExpired(nowMs: number): void {
    for (const [id, expiresAtMs] of this.expiries) {
      if (expiresAtMs <= nowMs) this.expiries.delete(id);
    }
  }
}
