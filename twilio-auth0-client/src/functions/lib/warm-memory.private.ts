// What a warm container remembers between invocations, per cache key, while Twilio keeps it: the
// token in hand, when Sync last failed, the direct fetch in flight, the tokens the API rejected,
// the last token fetched here and the cool-down. Module state, so it lives exactly as long as the
// container; nothing in it is written anywhere else.
import type * as StoreModule from './sync-token-store.private';

type TokenRecord = StoreModule.TokenRecord;

/** Too close to expiry to send: the API could see it expire in flight. */
function safetyMs(token: TokenRecord): number {
  return Math.min(30_000, 0.02 * (token.expiresAt - token.fetchedAt));
}

/** How many rejected tokens are remembered: enough for the few a container ever meets. */
const REMEMBERED_REJECTIONS = 8;

export class WarmMemory {
  private static readonly byCacheKey = new Map<string, WarmMemory>();

  token: TokenRecord | null = null;
  /** Until when Sync is skipped after it failed (epoch ms). */
  syncDownUntil = 0;
  /** A direct Auth0 fetch in flight in this container, shared by concurrent invocations. */
  directFetch: Promise<TokenRecord> | null = null;
  /** Until when no token is fetched: the API rejected a fresh one (epoch ms). */
  coolDownUntil = 0;
  private readonly rejected: string[] = [];
  private ownFetch: { accessToken: string; at: number } | null = null;

  static of(cacheKey: string): WarmMemory {
    let memory = WarmMemory.byCacheKey.get(cacheKey);
    if (!memory) {
      memory = new WarmMemory();
      WarmMemory.byCacheKey.set(cacheKey, memory);
    }
    return memory;
  }

  /** The API rejected `accessToken`: never used, kept or published again here. */
  reject(accessToken: string): void {
    if (!this.rejected.includes(accessToken)) {
      this.rejected.push(accessToken);
      if (this.rejected.length > REMEMBERED_REJECTIONS) this.rejected.shift();
    }
    if (this.token?.accessToken === accessToken) this.token = null;
  }

  /**
   * Whether `token` may be sent now: not rejected here, bound to the DPoP key configured now
   * (`keyThumbprint`, null: none), and not too close to its expiry.
   */
  accepts(
    token: TokenRecord | null,
    keyThumbprint: string | null,
    now: number,
  ): token is TokenRecord {
    return (
      token !== null &&
      !this.isRejected(token.accessToken) &&
      token.boundKey === keyThumbprint &&
      !(token.tokenType === 'DPoP' && keyThumbprint === null) &&
      now < token.expiresAt - safetyMs(token)
    );
  }

  /** Keeps `token` in hand unless the one held lasts longer (both acceptable). */
  remember(token: TokenRecord, keyThumbprint: string | null, now: number): void {
    if (!this.accepts(token, keyThumbprint, now)) return;
    const held = this.token;
    if (!this.accepts(held, keyThumbprint, now) || held.expiresAt <= token.expiresAt) {
      this.token = token;
    }
  }

  isRejected(accessToken: string): boolean {
    return this.rejected.includes(accessToken);
  }

  fetchedHere(accessToken: string, at: number): void {
    this.ownFetch = { accessToken, at };
  }

  /** Whether this container fetched `accessToken` from Auth0 since `since` (epoch ms). */
  fetchedHereSince(accessToken: string, since: number): boolean {
    return this.ownFetch?.accessToken === accessToken && this.ownFetch.at > since;
  }
}
