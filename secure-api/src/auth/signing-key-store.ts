// The process's cache of the tenant's RS256 signing keys, as parsed KeyObjects by `kid`.
// One jwks-rsa client fetches and converts the key set; this store decides WHEN to fetch:
//  - one fetch at a time: concurrent requests on a cold cache share it (single flight);
//  - an unknown `kid` triggers a refetch at most once per cooldown, counted from the last
//    refetch an unknown kid caused (not from the last scheduled fetch): a rotation seen
//    right after a fetch is picked up at once, a flood of random kids is not a fetch storm;
//  - a failed fetch is not cached, but the next attempt waits a short backoff, which is then
//    the only wait for an unknown kid too (the cooldown applies while the last fetch succeeded);
//  - the last good key set keeps validating while the endpoint is down (stale-while-
//    revalidate, up to maxAge + staleFallback);
//  - no key and no endpoint → jwks_unavailable (503), never invalid_token;
//  - a key-set change is a change of key material (RFC 7638 thumbprints by kid), not only of
//    kids: a kid republished with a new key must stop the tokens verified with the old one.
// A removed key keeps validating until the next fetch: at most cacheMaxAgeMs (600 s) after
// the last one, or longer only while the endpoint is down (staleFallbackMs). refresh() forces
// a fetch; a token with an unknown kid causes one too (at most once per cooldown).
// jwks-rsa 4's own cache memoises per kid and would fetch the whole set once per new kid;
// keeping the whole set here gives one fetch for all kids and lets passport-jwt receive a
// KeyObject instead of a PEM string it would re-parse on every request (10x slower).
import { createPublicKey, type KeyObject } from 'node:crypto';
import { JwksClient } from 'jwks-rsa';
import { invalidToken, jwksUnavailable } from './auth-errors.js';
import { jwkThumbprint } from './dpop-proof-key.js';
import { createJwksFetcher } from './jwks-fetcher.js';

export interface SigningKeyStoreOptions {
  jwksUri: string;
  /** Age after which the key set is refreshed (in the background while keys are known). */
  cacheMaxAgeMs: number;
  /** How long past cacheMaxAge the last good keys are still served while the endpoint is down. */
  staleFallbackMs: number;
  /** Minimum time between fetches triggered by an unknown kid. */
  unknownKidCooldownMs: number;
  /** After a failed fetch, further fetches wait this long (requests get 503 meanwhile). */
  failureBackoffMs: number;
  /** Total deadline of one JWKS request (≤ 5 s). */
  timeoutMs: number;
  maxResponseBytes: number;
  /** Smallest RSA modulus accepted. */
  minModulusBits: number;
  clock?: () => number;
  onEvent?: (event: SigningKeyStoreEvent) => void;
}

export type SigningKeyStoreEvent =
  | { type: 'fetched'; kids: string[]; changed: boolean }
  | { type: 'key_material_changed'; kid: string }
  | { type: 'fetch_failed'; reason: string }
  | { type: 'stale_served'; kid: string };

export const DEFAULT_SIGNING_KEY_STORE_OPTIONS = {
  cacheMaxAgeMs: 10 * 60_000,
  staleFallbackMs: 6 * 60 * 60_000,
  unknownKidCooldownMs: 10_000,
  failureBackoffMs: 2_000,
  timeoutMs: 5_000,
  maxResponseBytes: 256 * 1024,
  minModulusBits: 2048,
} satisfies Omit<SigningKeyStoreOptions, 'jwksUri'>;

/**
 * How long a verdict reached with a stale key set (the endpoint down past cacheMaxAgeMs) is
 * cached. The key cannot change while it cannot be fetched, so a verdict cached for this long
 * is exactly as good as verifying again with the same stale key; it spares the RSA
 * verification on every request during an outage, and its expiry sends the token back through
 * getKey, which tries the endpoint again.
 */
export const STALE_VERDICT_TTL_MS = 30_000;

export interface SigningKeyLookup {
  key: KeyObject;
  /** When the key set this key came from was fetched (clock ms). */
  fetchedAt: number;
}

export class SigningKeyStore {
  private keys = new Map<string, KeyObject>();
  /** RFC 7638 thumbprint of each key, by kid: what a key-set change is measured on. */
  private thumbprints = new Map<string, string>();
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
  private lastAttemptFailed = false;
  private lastUnknownKidFetchAt = Number.NEGATIVE_INFINITY;
  private inflight: Promise<void> | null = null;
  private readonly client: JwksClient;
  private readonly now: () => number;
  private readonly listeners = new Set<() => void>();
  private fetches = 0;
  private lookups = 0;

  constructor(private readonly options: SigningKeyStoreOptions) {
    this.now = options.clock ?? Date.now;
    this.client = new JwksClient({
      jwksUri: options.jwksUri,
      cache: false, // caching, single flight and cooldowns live in this store
      rateLimit: false,
      timeout: options.timeoutMs,
      fetcher: createJwksFetcher({
        timeoutMs: options.timeoutMs,
        maxBytes: options.maxResponseBytes,
      }),
    });
  }

  /** Number of JWKS fetches started (for health output and tests). */
  get fetchCount(): number {
    return this.fetches;
  }

  /** When the current key set was fetched, or -Infinity if never. */
  get keySetFetchedAt(): number {
    return this.fetchedAt;
  }

  get cacheMaxAgeMs(): number {
    return this.options.cacheMaxAgeMs;
  }

  /** Number of key lookups (freshKey + getKey): one per token verification, for tests. */
  get lookupCount(): number {
    return this.lookups;
  }

  /**
   * Until when a token verified with a key of the set fetched at `fetchedAt` may be served from
   * the verified-token cache: the end of the set's cache age (a re-verification then goes
   * through getKey, which refreshes the set), or, when that has passed because the endpoint
   * is down, STALE_VERDICT_TTL_MS from now, never past the stale fallback's end.
   */
  verdictExpiresAt(fetchedAt: number): number {
    const fresh = fetchedAt + this.options.cacheMaxAgeMs;
    const now = this.now();
    if (fresh > now) return fresh;
    return Math.min(now + STALE_VERDICT_TTL_MS, fresh + this.options.staleFallbackMs);
  }

  /** Calls `listener` whenever a fetch yields a different set of kids (caches of verified tokens drop). */
  onKeySetChanged(listener: () => void): void {
    this.listeners.add(listener);
  }

  /** True when keys are cached and still usable. */
  hasUsableKeys(): boolean {
    return (
      this.keys.size > 0 && this.age() < this.options.cacheMaxAgeMs + this.options.staleFallbackMs
    );
  }

  /**
   * The key for `kid` when it can be answered at once from a fresh key set (the steady
   * state); undefined when getKey has work to do (fetch, stale refresh, unknown kid).
   */
  freshKey(kid: string): SigningKeyLookup | undefined {
    this.lookups += 1;
    const key = this.keys.get(kid);
    if (key === undefined || this.age() >= this.options.cacheMaxAgeMs) return undefined;
    return { key, fetchedAt: this.fetchedAt };
  }

  async getKey(kid: string): Promise<SigningKeyLookup> {
    this.lookups += 1;
    const known = this.keys.get(kid);
    if (known) {
      const age = this.age();
      if (age < this.options.cacheMaxAgeMs) return { key: known, fetchedAt: this.fetchedAt };
      if (age < this.options.cacheMaxAgeMs + this.options.staleFallbackMs) {
        // Stale: serve it now, refresh in the background; an outage does not stop validation.
        this.options.onEvent?.({ type: 'stale_served', kid });
        this.refresh().catch(() => undefined); // failures are reported through onEvent
        return { key: known, fetchedAt: this.fetchedAt };
      }
      await this.refresh();
      return this.lookupAfterFetch(kid);
    }

    if (this.keys.size === 0 || this.age() >= this.options.cacheMaxAgeMs) {
      await this.refresh();
      return this.lookupAfterFetch(kid);
    }
    // Warm cache, unknown kid: maybe a rotation, maybe garbage. Refetch at most once per cooldown.
    if (this.inflight) {
      await this.inflight;
      return this.lookupAfterFetch(kid);
    }
    // After a failed fetch only the failure backoff applies, not the cooldown: the kid may be
    // a rotation that the failed fetch could not see, and the 503 told its client to come back
    // after the backoff (Retry-After). The cooldown bounds kids unknown to a set just fetched.
    const backoffLeft = this.failureBackoffLeftMs();
    if (backoffLeft > 0) {
      throw jwksUnavailable('unknown kid and the JWKS endpoint is failing', backoffLeft / 1000);
    }
    if (
      this.lastAttemptFailed ||
      this.now() - this.lastUnknownKidFetchAt >= this.options.unknownKidCooldownMs
    ) {
      this.lastUnknownKidFetchAt = this.now();
      await this.refresh();
      return this.lookupAfterFetch(kid);
    }
    throw invalidToken('no signing key with this kid (refetch cooling down)');
  }

  /** Fetches the key set unless a fetch is running (joins it) or a failure backoff applies. */
  refresh(): Promise<void> {
    if (this.inflight) return this.inflight;
    const backoffLeft = this.failureBackoffLeftMs();
    if (backoffLeft > 0) {
      return Promise.reject(
        jwksUnavailable('JWKS fetch failed recently (backing off)', backoffLeft / 1000),
      );
    }
    this.lastAttemptAt = this.now();
    this.fetches += 1;
    this.inflight = this.load().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private lookupAfterFetch(kid: string): SigningKeyLookup {
    const key = this.keys.get(kid);
    if (!key) throw invalidToken('no signing key with this kid');
    return { key, fetchedAt: this.fetchedAt };
  }

  /** Time left before a fetch may follow the last one, which failed; 0 when none is due. */
  private failureBackoffLeftMs(): number {
    if (!this.lastAttemptFailed) return 0;
    return Math.max(0, this.options.failureBackoffMs - (this.now() - this.lastAttemptAt));
  }

  private age(): number {
    return this.now() - this.fetchedAt;
  }

  private async load(): Promise<void> {
    let next: Map<string, KeyObject>;
    try {
      next = this.toKeyObjects(await this.client.getSigningKeys());
      if (next.size === 0) throw new Error('the key set holds no usable RS256 signing key');
    } catch (error) {
      this.lastAttemptFailed = true;
      const reason = error instanceof Error ? error.message : 'JWKS fetch failed';
      this.options.onEvent?.({ type: 'fetch_failed', reason });
      throw jwksUnavailable(reason, this.options.failureBackoffMs / 1000);
    }
    const thumbprints = new Map(
      [...next].map(([kid, key]) => [kid, jwkThumbprint(key.export({ format: 'jwk' }))]),
    );
    const changed =
      thumbprints.size !== this.thumbprints.size ||
      [...thumbprints].some(([kid, thumbprint]) => this.thumbprints.get(kid) !== thumbprint);
    for (const [kid, thumbprint] of thumbprints) {
      const before = this.thumbprints.get(kid);
      if (before !== undefined && before !== thumbprint)
        this.options.onEvent?.({ type: 'key_material_changed', kid });
    }
    this.keys = next;
    this.thumbprints = thumbprints;
    this.fetchedAt = this.now();
    this.lastAttemptFailed = false;
    this.options.onEvent?.({ type: 'fetched', kids: [...next.keys()], changed });
    if (changed) for (const listener of this.listeners) listener();
  }

  private toKeyObjects(
    signingKeys: Awaited<ReturnType<JwksClient['getSigningKeys']>>,
  ): Map<string, KeyObject> {
    const map = new Map<string, KeyObject>();
    for (const signingKey of signingKeys) {
      if (!signingKey.kid || (signingKey.alg !== undefined && signingKey.alg !== 'RS256')) continue;
      const key = createPublicKey(signingKey.getPublicKey());
      if (key.asymmetricKeyType !== 'rsa') continue;
      if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < this.options.minModulusBits) continue;
      map.set(signingKey.kid, key);
    }
    return map;
  }
}
