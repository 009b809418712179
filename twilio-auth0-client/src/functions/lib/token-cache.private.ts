// The token cache: warm-container memory → the Sync document → Auth0.
//
// - A memory hit costs no network call; memory also protects the Auth0 quota while Sync is down.
// - Refresh ahead: a token inside its refresh margin (the last min(5 min, 10 %) of its life) is
//   still used by everyone, while exactly one invocation claims the refresh with a conditional
//   (If-Match) write of the document's lease and fetches the next token in the background.
// - Only a missing or expired token makes an invocation wait: the one that wins the create (or
//   the conditional claim) fetches; the others poll the document with backoff and jitter (Sync
//   allows ~20 reads/s per document) and fetch for themselves only if their budget runs short.
// - Sync down or slow: fetch directly (one fetch per container at a time) and keep it in memory.
//   A read that merely timed out is tried again first while the budget allows: on a busy host
//   the slow party is often the invocation's own process, and every direct fetch spends a token
//   from the customer's Auth0 quota that Sync most likely already holds.
import type * as ClientCredentialsModule from './client-credentials-source.private';
import type * as DeadlineModule from './deadline.private';
import type * as StoreModule from './sync-token-store.private';
import type * as SyncModule from './twilio-sync-client.private';

type Deadline = DeadlineModule.Deadline;
type ClientCredentialsSource = ClientCredentialsModule.ClientCredentialsSource;
type SyncTokenStore = StoreModule.SyncTokenStore;
type CacheDocument = StoreModule.CacheDocument;
type TokenRecord = StoreModule.TokenRecord;
type StoreRead = StoreModule.StoreRead;
type LeaseResult = SyncModule.SyncResult<CacheDocument>;

export type TokenSource = 'memory' | 'sync' | 'auth0';

export interface AcquiredToken extends TokenRecord {
  source: TokenSource;
  /** Whether this invocation had to wait for a token (none usable was cached). */
  waited: boolean;
  /** A refresh-ahead this invocation claimed; settle it before answering. Never rejects. */
  refreshAhead: Promise<void> | null;
}

interface WarmEntry {
  token: TokenRecord | null;
  /** Until when Sync is skipped after it failed (epoch ms). */
  syncDownUntil: number;
  /** A direct Auth0 fetch in flight in this container, shared by concurrent invocations. */
  directFetch: Promise<TokenRecord> | null;
}

/** Warm-container memory: survives between invocations while Twilio keeps the container. */
const warmMemory = new Map<string, WarmEntry>();

// Generous for Sync (usually tens of ms): a timeout sends the invocation to Auth0 directly.
const SYNC_CALL_CAP_MS = 2500;
const SYNC_DOWN_BACKOFF_MS = 30_000;
/** Budget a waiter keeps for fetching a token itself and then calling the API. */
const SELF_FETCH_RESERVE_MS = 2000;
/** The shortest Sync call worth making. */
const MIN_SYNC_CALL_MS = 200;
/**
 * What a waiter's last poll leaves its read: on a busy host a Sync read takes a second or more,
 * and a last read cut short sends the waiter to Auth0 just as the refresher's token lands.
 */
const LAST_POLL_READ_MS = 1200;
const POLL_FIRST_MS = 300;
const POLL_MAX_MS = 2000;
const MAX_POLLS = 12;

export function refreshMarginMs(token: TokenRecord): number {
  return Math.min(5 * 60_000, 0.1 * (token.expiresAt - token.fetchedAt));
}

/** Too close to expiry to send: the API could see it expire in flight. */
function safetyMs(token: TokenRecord): number {
  return Math.min(30_000, 0.02 * (token.expiresAt - token.fetchedAt));
}

export class TokenCache {
  private readonly entry: WarmEntry;

  constructor(
    cacheKey: string,
    private readonly store: SyncTokenStore,
    private readonly source: ClientCredentialsSource,
    private readonly note: (event: string) => void = () => undefined,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {
    let entry = warmMemory.get(cacheKey);
    if (!entry) {
      entry = { token: null, syncDownUntil: 0, directFetch: null };
      warmMemory.set(cacheKey, entry);
    }
    this.entry = entry;
  }

  /** A token to send now, from the cheapest level that has a usable one. */
  acquire(deadline: Deadline): Promise<AcquiredToken> {
    return this.acquireExcluding(deadline, null);
  }

  /**
   * The API rejected `rejected`: drop it from memory and from Sync, but only where that same token
   * is still held (another invocation may already have replaced it), and get another one.
   */
  invalidate(rejected: string, deadline: Deadline): Promise<AcquiredToken> {
    if (this.entry.token?.accessToken === rejected) this.entry.token = null;
    this.note('token_rejected_by_api');
    return this.acquireExcluding(deadline, rejected);
  }

  private usable(token: TokenRecord | null, rejected: string | null): token is TokenRecord {
    return (
      token !== null &&
      token.accessToken !== rejected &&
      this.now() < token.expiresAt - safetyMs(token)
    );
  }

  private inMargin(token: TokenRecord): boolean {
    return this.now() >= token.expiresAt - refreshMarginMs(token);
  }

  private remember(token: TokenRecord): void {
    const current = this.entry.token;
    if (!current || current.expiresAt <= token.expiresAt) this.entry.token = token;
  }

  private result(
    token: TokenRecord,
    source: TokenSource,
    waited: boolean,
    refreshAhead: Promise<void> | null = null,
  ): AcquiredToken {
    return { ...token, source, waited, refreshAhead };
  }

  private async acquireExcluding(
    deadline: Deadline,
    rejected: string | null,
  ): Promise<AcquiredToken> {
    const memory = this.usable(this.entry.token, rejected) ? this.entry.token : null;
    if (memory && !this.inMargin(memory)) return this.result(memory, 'memory', false);

    if (this.now() < this.entry.syncDownUntil) {
      // Sync failed recently: memory is the only shared level left.
      if (memory)
        return this.result(memory, 'memory', false, this.background(this.directRefresh(deadline)));
      return this.result(await this.fetchDirect(deadline), 'auth0', true);
    }

    const read = await this.readShared(deadline);
    if (read.state === 'busy') {
      if (memory) return this.result(memory, 'memory', false);
      return this.waitForRefresher(deadline, rejected);
    }
    if (read.state === 'unavailable') {
      this.markSyncDown();
      if (memory)
        return this.result(memory, 'memory', false, this.background(this.directRefresh(deadline)));
      return this.fetchAndPublish(deadline);
    }
    if (read.state === 'missing') {
      if (memory) return this.refreshingAhead(memory, 'memory', deadline, null);
      return this.leaseOrWait(deadline, null, rejected);
    }

    const document = read.document;
    if (document.problem) this.note(`sync_document_${document.problem}`);
    const shared = this.usable(document.token, rejected) ? document.token : null;
    if (shared) {
      this.remember(shared);
      if (!this.inMargin(shared)) return this.result(shared, 'sync', false);
      return this.refreshingAhead(shared, 'sync', deadline, document);
    }
    if (memory) {
      // Sync lost or spoiled the token while this container still holds a usable one: keep
      // using it, and put it back in Sync with the refresh claimed (it is due).
      return this.refreshingAhead(memory, 'memory', deadline, document);
    }
    return this.leaseOrWait(deadline, document, rejected);
  }

  /**
   * Reads the document. A read that timed out is tried once more if a self-fetch still fits after
   * it; a read that failed outright (5xx, refused) is not: Sync is down, and waiting costs time.
   */
  private async readShared(deadline: Deadline): Promise<StoreRead> {
    const read = await this.readWithin(deadline);
    if (read.state !== 'unavailable' || !read.timedOut) return read;
    if (this.syncTime(deadline) === null) return read;
    this.note('sync_read_retry');
    return this.readWithin(deadline);
  }

  /** `token`, still good but inside its refresh margin, with the refresh ahead claimed if free. */
  private async refreshingAhead(
    token: TokenRecord,
    source: TokenSource,
    deadline: Deadline,
    document: CacheDocument | null,
  ): Promise<AcquiredToken> {
    const claimed = await this.claimAhead(deadline, document, token);
    return this.result(token, source, false, claimed?.refresh);
  }

  /**
   * Refresh ahead: the token is still good, so this invocation goes on using it; if nobody holds
   * the refresh, claim it with a conditional write and fetch the next token in the background.
   */
  private async claimAhead(
    deadline: Deadline,
    document: CacheDocument | null,
    keep: TokenRecord | null,
  ): Promise<{ refresh: Promise<void> } | null> {
    // Wrapped in an object: an awaited Promise<Promise<void>> would flatten and wait for the
    // refresh, which is exactly what this invocation must not do.
    if (document && document.refreshingUntil > this.now()) return null;
    const claim = await this.leaseWithin(deadline, document, keep);
    if (!claim.ok) {
      // Not on a timeout: Sync just answered the read, and the token in hand is still good.
      if (claim.failure === 'unavailable') this.markSyncDown();
      return null;
    }
    this.note('refresh_ahead_claimed');
    const revision = claim.value.revision;
    const refresh = this.background(
      (async () => {
        await this.fetchAndStore(deadline, revision, keep, 0);
        this.note('refresh_ahead_done');
      })(),
    );
    return { refresh };
  }

  /**
   * No usable token in Sync: take the refresh lease (create the document, or claim it with
   * If-Match) and fetch, or wait for whoever holds it. Losing the race means another invocation
   * holds it now; a document Sync removed (its TTL) after it was read is created again.
   */
  private async leaseOrWait(
    deadline: Deadline,
    document: CacheDocument | null,
    rejected: string | null,
  ): Promise<AcquiredToken> {
    if (document && document.refreshingUntil > this.now()) {
      return this.waitForRefresher(deadline, rejected);
    }
    const lease = await this.leaseWithin(deadline, document, null);
    if (lease.ok) {
      if (document) this.note('refresh_claimed');
      return this.fetchAsHolder(deadline, lease.value.revision);
    }
    if (
      lease.failure === 'conflict' ||
      lease.failure === 'stale' ||
      lease.failure === 'rate_limited'
    ) {
      this.note(document ? 'claim_race_lost' : 'create_race_lost');
      return this.waitForRefresher(deadline, rejected);
    }
    if (lease.failure === 'not_found' && document)
      return this.leaseOrWait(deadline, null, rejected);
    this.markSyncDown();
    return this.fetchAndPublish(deadline);
  }

  /**
   * Polls the document with exponential backoff and jitter until the refresher's token appears,
   * taking over if its lease lapses, and fetching directly once only the self-fetch reserve is
   * left. The last pause is shortened to end there rather than skipped, and a poll that fails
   * (Sync slow or briefly down) is no reason to stop: the refresher stores its token in Sync.
   */
  private async waitForRefresher(
    deadline: Deadline,
    rejected: string | null,
  ): Promise<AcquiredToken> {
    const reserveMs = this.selfFetchReserve(deadline);
    const readMs = Math.max(MIN_SYNC_CALL_MS, deadline.reserve(LAST_POLL_READ_MS, 0.1));
    let delay = POLL_FIRST_MS;
    let syncFailed = false;
    for (let poll = 0; poll < MAX_POLLS; poll += 1) {
      const room = deadline.remainingMs() - reserveMs - readMs;
      if (room <= 0) break;
      await deadline.sleep(Math.min(Math.round(delay * (0.5 + this.random())), room));
      delay = Math.min(delay * 2, POLL_MAX_MS);
      const read = await this.readWithin(deadline);
      syncFailed = read.state === 'unavailable';
      if (read.state === 'busy' || read.state === 'unavailable') continue;
      const document = read.state === 'present' ? read.document : null;
      if (document && this.usable(document.token, rejected)) {
        this.remember(document.token);
        return this.result(document.token, 'sync', true);
      }
      if (document && document.refreshingUntil > this.now()) continue;
      const lease = await this.leaseWithin(deadline, document, null);
      if (lease.ok) {
        if (document) this.note('refresh_claimed_after_lapse');
        return this.fetchAsHolder(deadline, lease.value.revision);
      }
    }
    if (syncFailed) this.markSyncDown();
    this.note('wait_gave_up');
    return this.fetchAndPublish(deadline);
  }

  /** Fetches as the holder of the lease taken at `leaseRevision`, for an invocation that waited. */
  private async fetchAsHolder(deadline: Deadline, leaseRevision: string): Promise<AcquiredToken> {
    return this.result(await this.fetchAndStore(deadline, leaseRevision, null), 'auth0', true);
  }

  /**
   * Fetches as the lease holder and writes the token where the lease was taken. If the fetch
   * fails, the lease is released at once (keeping `kept`, the token others still use), so that
   * waiting invocations try for themselves instead of waiting out the lease.
   */
  private async fetchAndStore(
    deadline: Deadline,
    leaseRevision: string,
    kept: TokenRecord | null,
    reserveMs?: number,
  ): Promise<TokenRecord> {
    let token: TokenRecord;
    try {
      token = await this.source.fetch(deadline, reserveMs === undefined ? {} : { reserveMs });
    } catch (error) {
      const timeoutMs = this.syncTime(deadline, 0);
      if (timeoutMs !== null) await this.store.release(leaseRevision, kept, timeoutMs);
      throw error;
    }
    this.remember(token);
    const timeoutMs = this.syncTime(deadline, 0);
    const stored: LeaseResult =
      timeoutMs === null
        ? { ok: false, failure: 'timeout' }
        : await this.store.store(token, leaseRevision, timeoutMs);
    if (!stored.ok) this.note(stored.failure === 'stale' ? 'store_lease_lost' : 'store_failed');
    return token;
  }

  /** Fetches without Sync, one fetch per container at a time. */
  private async fetchDirect(deadline: Deadline): Promise<TokenRecord> {
    this.note('token_fetched_without_sync');
    if (!this.entry.directFetch) {
      this.entry.directFetch = this.source.fetch(deadline).finally(() => {
        this.entry.directFetch = null;
      });
    }
    const token = await this.entry.directFetch;
    this.remember(token);
    return token;
  }

  /**
   * A direct fetch after Sync failed or was too slow for this invocation. The failure may have
   * been a timeout of a call that did land (a lease created, a claim made), leaving others
   * waiting on this invocation: so the token is offered to Sync afterwards, in the background,
   * and waiters pick it up instead of each fetching their own.
   */
  private async fetchAndPublish(deadline: Deadline): Promise<AcquiredToken> {
    const token = await this.fetchDirect(deadline);
    return this.result(token, 'auth0', true, this.background(this.publish(deadline, token)));
  }

  /** Writes `token` to Sync unless the document already holds one at least as good. */
  private async publish(deadline: Deadline, token: TokenRecord): Promise<void> {
    const read = await this.readWithin(deadline, 0);
    const timeoutMs = this.syncTime(deadline, 0);
    if (timeoutMs === null) return;
    if (read.state === 'missing') {
      await this.store.createLease(token, 0, timeoutMs);
    } else if (read.state === 'present') {
      const held = read.document.token;
      if (this.usable(held, null) && held.expiresAt >= token.expiresAt) return;
      const stored = await this.store.store(token, read.document.revision, timeoutMs);
      if (stored.ok) this.note('token_published');
    }
  }

  /** Refresh ahead while Sync is down: still only one fetch per container. */
  private async directRefresh(deadline: Deadline): Promise<void> {
    if (this.entry.directFetch) return;
    await this.fetchDirect(deadline);
  }

  private background(work: Promise<unknown>): Promise<void> {
    return work.then(
      () => undefined,
      () => this.note('refresh_ahead_failed'),
    );
  }

  private selfFetchReserve(deadline: Deadline): number {
    return deadline.reserve(SELF_FETCH_RESERVE_MS, 0.4);
  }

  private markSyncDown(): void {
    this.note('sync_unavailable');
    this.entry.syncDownUntil = this.now() + SYNC_DOWN_BACKOFF_MS;
  }

  /**
   * A Sync call's timeout, keeping `reserveMs`: by default what a self-fetch needs (the token
   * request and the API call), since any Sync call may be followed by one. Null when less than
   * the shortest useful call is left: the caller goes on without Sync rather than failing.
   */
  private syncTime(deadline: Deadline, reserveMs = this.selfFetchReserve(deadline)): number | null {
    const ms = Math.floor(Math.min(SYNC_CALL_CAP_MS, deadline.remainingMs() - reserveMs));
    return ms >= MIN_SYNC_CALL_MS ? ms : null;
  }

  /** Reads the document within the time the budget allows; no time left reads as a timeout. */
  private readWithin(deadline: Deadline, reserveMs?: number): Promise<StoreRead> {
    const timeoutMs = this.syncTime(deadline, reserveMs);
    return timeoutMs === null
      ? Promise.resolve({ state: 'unavailable', timedOut: true })
      : this.store.read(timeoutMs);
  }

  /** Takes the refresh lease within the time the budget allows; no time left is a timeout. */
  private leaseWithin(
    deadline: Deadline,
    document: CacheDocument | null,
    keep: TokenRecord | null,
  ): Promise<LeaseResult> {
    const timeoutMs = this.syncTime(deadline);
    return timeoutMs === null
      ? Promise.resolve({ ok: false, failure: 'timeout' })
      : this.store.takeLease(document, keep, deadline.endsAt, timeoutMs);
  }
}
