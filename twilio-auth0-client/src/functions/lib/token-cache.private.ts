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
import type * as ClientCredentialsModule from './client-credentials-source.private';
import type * as DeadlineModule from './deadline.private';
import type * as StoreModule from './sync-token-store.private';

type Deadline = DeadlineModule.Deadline;
type ClientCredentialsSource = ClientCredentialsModule.ClientCredentialsSource;
type SyncTokenStore = StoreModule.SyncTokenStore;
type CacheDocument = StoreModule.CacheDocument;
type TokenRecord = StoreModule.TokenRecord;

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
const SELF_FETCH_RESERVE_MS = 3000;
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

    const read = await this.store.read(this.syncTimeout(deadline));
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
      if (memory)
        return this.result(
          memory,
          'memory',
          false,
          (await this.claimAhead(deadline, null, memory))?.refresh,
        );
      return this.createOrWait(deadline, rejected);
    }

    const document = read.document;
    if (document.problem) this.note(`sync_document_${document.problem}`);
    const shared = this.usable(document.token, rejected) ? document.token : null;
    if (shared) {
      this.remember(shared);
      if (!this.inMargin(shared)) return this.result(shared, 'sync', false);
      return this.result(
        shared,
        'sync',
        false,
        (await this.claimAhead(deadline, document, shared))?.refresh,
      );
    }
    if (memory) {
      // Sync lost or spoiled the token while this container still holds a usable one: keep
      // using it, and put it back in Sync with the refresh claimed if it is due.
      return this.result(
        memory,
        'memory',
        false,
        (await this.claimAhead(deadline, document, memory))?.refresh,
      );
    }
    return this.claimOrWait(deadline, document, rejected);
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
    const leaseUntil = deadline.endsAt;
    const claim = document
      ? await this.store.claim(document, keep, leaseUntil, this.syncTimeout(deadline))
      : await this.store.createLease(keep, leaseUntil, this.syncTimeout(deadline));
    if (!claim.ok) {
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

  /** No document: create it as a lease; the winner fetches, everyone else waits for its token. */
  private async createOrWait(deadline: Deadline, rejected: string | null): Promise<AcquiredToken> {
    const created = await this.store.createLease(null, deadline.endsAt, this.syncTimeout(deadline));
    if (created.ok) {
      return this.result(
        await this.fetchAndStore(deadline, created.value.revision, null),
        'auth0',
        true,
      );
    }
    if (created.failure === 'conflict' || created.failure === 'rate_limited') {
      this.note('create_race_lost');
      return this.waitForRefresher(deadline, rejected);
    }
    this.markSyncDown();
    return this.fetchAndPublish(deadline);
  }

  /** A document without a usable token: claim the refresh, or wait for whoever holds it. */
  private async claimOrWait(
    deadline: Deadline,
    document: CacheDocument,
    rejected: string | null,
  ): Promise<AcquiredToken> {
    if (document.refreshingUntil > this.now()) return this.waitForRefresher(deadline, rejected);
    const claim = await this.store.claim(
      document,
      null,
      deadline.endsAt,
      this.syncTimeout(deadline),
    );
    if (claim.ok) {
      this.note('refresh_claimed');
      return this.result(
        await this.fetchAndStore(deadline, claim.value.revision, null),
        'auth0',
        true,
      );
    }
    if (claim.failure === 'stale' || claim.failure === 'rate_limited') {
      this.note('claim_race_lost');
      return this.waitForRefresher(deadline, rejected);
    }
    this.markSyncDown();
    return this.fetchAndPublish(deadline);
  }

  /**
   * Polls the document with exponential backoff and jitter until the refresher's token appears,
   * taking over if its lease lapses, and fetching directly while there is still time to do so.
   */
  private async waitForRefresher(
    deadline: Deadline,
    rejected: string | null,
  ): Promise<AcquiredToken> {
    let delay = POLL_FIRST_MS;
    for (let poll = 0; poll < MAX_POLLS; poll += 1) {
      const pause = Math.round(delay * (0.5 + this.random()));
      if (!deadline.fits(pause, deadline.reserve(SELF_FETCH_RESERVE_MS, 0.4))) break;
      await deadline.sleep(pause);
      delay = Math.min(delay * 2, POLL_MAX_MS);
      const read = await this.store.read(this.syncTimeout(deadline));
      if (read.state === 'busy') continue;
      if (read.state === 'unavailable') {
        this.markSyncDown();
        break;
      }
      if (read.state === 'missing') {
        const created = await this.store.createLease(
          null,
          deadline.endsAt,
          this.syncTimeout(deadline),
        );
        if (created.ok) {
          return this.result(
            await this.fetchAndStore(deadline, created.value.revision, null),
            'auth0',
            true,
          );
        }
        continue;
      }
      const document = read.document;
      if (this.usable(document.token, rejected)) {
        this.remember(document.token);
        return this.result(document.token, 'sync', true);
      }
      if (document.refreshingUntil <= this.now()) {
        const claim = await this.store.claim(
          document,
          null,
          deadline.endsAt,
          this.syncTimeout(deadline),
        );
        if (claim.ok) {
          this.note('refresh_claimed_after_lapse');
          return this.result(
            await this.fetchAndStore(deadline, claim.value.revision, null),
            'auth0',
            true,
          );
        }
      }
    }
    this.note('wait_gave_up');
    return this.fetchAndPublish(deadline);
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
      if (deadline.fits(200)) {
        await this.store.release(leaseRevision, kept, this.syncTimeout(deadline, 0));
      }
      throw error;
    }
    this.remember(token);
    const stored = await this.store.store(token, leaseRevision, this.syncTimeout(deadline, 0));
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
    if (!deadline.fits(300)) return;
    const read = await this.store.read(this.syncTimeout(deadline, 0));
    if (read.state === 'missing') {
      await this.store.createLease(token, 0, this.syncTimeout(deadline, 0));
    } else if (read.state === 'present') {
      const held = read.document.token;
      if (this.usable(held, null) && held.expiresAt >= token.expiresAt) return;
      const stored = await this.store.store(
        token,
        read.document.revision,
        this.syncTimeout(deadline, 0),
      );
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

  private markSyncDown(): void {
    this.note('sync_unavailable');
    this.entry.syncDownUntil = this.now() + SYNC_DOWN_BACKOFF_MS;
  }

  /** A Sync call's timeout, keeping `reserveMs` (default: time for the token fetch and API call). */
  private syncTimeout(deadline: Deadline, reserveMs = deadline.reserve(1000, 0.2)): number {
    return deadline.timeoutFor('the Sync request', SYNC_CALL_CAP_MS, reserveMs);
  }
}
