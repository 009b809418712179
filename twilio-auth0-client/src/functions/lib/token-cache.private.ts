// The token cache: warm-container memory → the Sync document → Auth0.
//
// - A memory hit costs no network call; memory also protects the Auth0 quota while Sync is down.
// - Refresh ahead: a token inside its refresh margin (the last min(5 min, 10 %) of its life) is
//   still used by everyone, while exactly one invocation claims the refresh with a conditional
//   (If-Match) write of the document's lease and fetches the next token in the background.
// - Only a missing or expired token makes an invocation wait: the one that takes the lease
//   fetches; the others poll the document with backoff and jitter (Sync allows ~20 reads/s per
//   document) and fetch for themselves only if their budget runs short.
// - Sync down or slow: fetch directly (one fetch per container at a time) and keep it in memory.
//   A read that merely timed out is tried again first while the budget allows: on a busy host
//   the slow party is often the invocation's own process, and every direct fetch spends a token
//   from the customer's Auth0 quota that Sync most likely already holds.
// - A token the API rejected is never used, kept or published again by this container. When the
//   API rejects a token this container fetched less than a minute ago, the two sides disagree on
//   issuer or audience: fetching stops for a cool-down (in memory and in the document), so that
//   a misconfiguration does not spend the Auth0 quota.
//
// `nextStep` is the one place that maps (memory, document, lease) to what happens next; the
// methods below it are the steps.
import type * as ClientCredentialsModule from './client-credentials-source.private';
import type * as DeadlineModule from './deadline.private';
import type * as ErrorsModule from './errors.private';
import type * as StoreModule from './sync-token-store.private';
import type * as MemoryModule from './warm-memory.private';
import type * as Loader from './loader.private';

const { shared } = module.require(Runtime.getFunctions()['lib/loader']!.path) as typeof Loader;
const { apiRejectsFreshTokens } = shared<typeof ErrorsModule>('lib/errors');
const { API_REJECTION_COOL_DOWN_MS, MIN_SYNC_CALL_MS } =
  shared<typeof StoreModule>('lib/sync-token-store');
const { WarmMemory } = shared<typeof MemoryModule>('lib/warm-memory');

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
}

/** What the document read said; notRead: memory holds a token outside its margin, or cools down. */
type SyncView = StoreModule.StoreRead | { state: 'notRead' };

/** The next step of `acquire`, as decided by `nextStep`. */
type Step =
  | { kind: 'use'; token: TokenRecord; source: TokenSource }
  /** Use the token, and claim the refresh in Sync (write `document`'s lease) if it is free. */
  | { kind: 'useAndClaimRefresh'; token: TokenRecord; source: TokenSource; document: Doc }
  /** Use the token, and refresh it directly (Sync is down). */
  | { kind: 'useAndRefreshDirectly'; token: TokenRecord }
  | { kind: 'fetchDirectly' }
  /** Take the lease on `document` (create it when null) and fetch. */
  | { kind: 'leaseAndFetch'; document: Doc }
  | { kind: 'waitForRefresher' }
  | { kind: 'coolingDown'; until: number };
type Doc = CacheDocument | null;

const SYNC_DOWN_BACKOFF_MS = 30_000;
/** Budget a waiter keeps for fetching a token itself and then calling the API. */
const SELF_FETCH_RESERVE_MS = 2000;
// What a waiter's last poll leaves its read: on a busy host a Sync read takes a second or more,
// and a last read cut short sends the waiter to Auth0 just as the refresher's token lands.
const LAST_POLL_READ_MS = 1200;
const POLL_FIRST_MS = 300;
const POLL_MAX_MS = 2000;
const MAX_POLLS = 12;
/** A token this container fetched less than this long ago is fresh: its rejection is config. */
const FRESH_TOKEN_MS = 60_000;

export function refreshMarginMs(token: TokenRecord): number {
  return Math.min(5 * 60_000, 0.1 * (token.expiresAt - token.fetchedAt));
}

export class TokenCache {
  private readonly entry: MemoryModule.WarmMemory;
  private readonly backgroundWork: Promise<void>[] = [];

  /**
   * `keyThumbprint`: the RFC 7638 thumbprint of the DPoP key configured now (null: none); a
   * cached token bound to another key, or a DPoP token with no key, is not used.
   */
  constructor(
    cacheKey: string,
    private readonly store: SyncTokenStore,
    private readonly source: ClientCredentialsSource,
    private readonly keyThumbprint: string | null,
    private readonly recordEvent: (event: string) => void = () => undefined,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {
    this.entry = WarmMemory.of(cacheKey);
  }

  /** A token to send now, from the cheapest level that has a usable one. */
  async acquire(deadline: Deadline): Promise<AcquiredToken> {
    const memory = this.usable(this.entry.token) ? this.entry.token : null;
    const readNeeded = memory ? this.inMargin(memory) : this.now() >= this.entry.coolDownUntil;
    const sync: SyncView = readNeeded ? await this.readShared(deadline) : { state: 'notRead' };
    return this.take(this.nextStep(memory, sync), deadline);
  }

  /** Work this invocation started in the background (a refresh, a publish); never rejects. */
  whenBackgroundWorkDone(): Promise<void> {
    return Promise.all(this.backgroundWork).then(() => undefined);
  }

  /** Whether this container fetched `token` from Auth0 less than a minute ago. */
  fetchedHereJustNow(token: TokenRecord): boolean {
    return this.entry.fetchedHereSince(token.accessToken, this.now() - FRESH_TOKEN_MS);
  }

  /**
   * The API refused `token`: it is never used again here, and its replacement is fetched. A token
   * this container fetched just now means a misconfiguration: the cool-down starts (here and in
   * the document) and API_UNAUTHORIZED is thrown instead.
   */
  async replaceRejected(token: TokenRecord, deadline: Deadline): Promise<AcquiredToken> {
    const coolingDown = this.forgetRejected(token, deadline);
    if (coolingDown) throw coolingDown;
    return this.acquire(deadline);
  }

  /**
   * Forgets a token the API refused. When it was fresh from here, the cool-down starts (the
   * document is told in the background) and the answer for it is returned; null otherwise.
   */
  forgetRejected(token: TokenRecord, deadline: Deadline): ErrorsModule.FunctionError | null {
    this.recordEvent('token_rejected_by_api');
    this.entry.reject(token.accessToken);
    if (!this.fetchedHereJustNow(token)) return null;
    const until = this.now() + API_REJECTION_COOL_DOWN_MS;
    this.entry.coolDownUntil = until;
    this.recordEvent('api_rejects_fresh_tokens');
    const shared = this.store.recordApiRejection(until, deadline).then((written) => {
      if (!written.ok) throw new Error(written.failure);
    });
    this.inBackground(shared, 'cool_down_not_shared');
    return apiRejectsFreshTokens(until, this.now());
  }

  /** The one decision: what (memory, the document, its lease) make this invocation do next. */
  private nextStep(memory: TokenRecord | null, sync: SyncView): Step {
    const now = this.now();
    const document = sync.state === 'present' ? sync.document : null;
    const coolDownUntil = Math.max(this.entry.coolDownUntil, document?.apiRejectsUntil ?? 0);
    // While cooling down, a token still in hand is used but not refreshed.
    const coolingDown = now < coolDownUntil;
    const fetching = (step: Step): Step =>
      coolingDown ? { kind: 'coolingDown', until: coolDownUntil } : step;
    const use = (token: TokenRecord, source: TokenSource): Step => ({ kind: 'use', token, source });
    const useAndClaim = (token: TokenRecord, source: TokenSource): Step =>
      coolingDown ? use(token, source) : { kind: 'useAndClaimRefresh', token, source, document };

    switch (sync.state) {
      case 'notRead':
        return memory ? use(memory, 'memory') : fetching({ kind: 'fetchDirectly' });
      case 'unavailable':
        if (!memory) return fetching({ kind: 'fetchDirectly' });
        return coolingDown
          ? use(memory, 'memory')
          : { kind: 'useAndRefreshDirectly', token: memory };
      case 'rateLimited':
        return memory ? use(memory, 'memory') : fetching({ kind: 'waitForRefresher' });
      case 'missing':
        return memory
          ? useAndClaim(memory, 'memory')
          : fetching({ kind: 'leaseAndFetch', document });
      case 'present': {
        const held = this.usable(sync.document.token) ? sync.document.token : null;
        if (held && !this.inMargin(held)) return use(held, 'sync');
        // Sync lost or spoiled the token while memory holds a usable one: keep using it, and put
        // it back in Sync with the refresh claimed (it is due).
        const best = held ?? memory;
        if (best) {
          const source = held ? 'sync' : 'memory';
          return sync.document.refreshingUntil > now
            ? use(best, source)
            : useAndClaim(best, source);
        }
        if (sync.document.refreshingUntil > now) return fetching({ kind: 'waitForRefresher' });
        return fetching({ kind: 'leaseAndFetch', document });
      }
    }
  }

  private async take(step: Step, deadline: Deadline): Promise<AcquiredToken> {
    switch (step.kind) {
      case 'use':
        return result(step.token, step.source, false);
      case 'useAndClaimRefresh':
        await this.claimRefreshAhead(deadline, step.document, step.token);
        return result(step.token, step.source, false);
      case 'useAndRefreshDirectly':
        if (!this.entry.directFetch) {
          this.inBackground(this.fetchDirectly(deadline), 'refresh_ahead_failed');
        }
        return result(step.token, 'memory', false);
      case 'fetchDirectly':
        return this.fetched(this.fetchDirectly(deadline));
      case 'leaseAndFetch':
        return this.leaseAndFetch(deadline, step.document);
      case 'waitForRefresher':
        return this.waitForRefresher(deadline);
      case 'coolingDown':
        throw apiRejectsFreshTokens(step.until, this.now());
    }
  }

  /**
   * Reads the document (not while Sync is known down), noting what was wrong with it. A read that
   * timed out is tried once more if a self-fetch still fits after it; one that failed outright
   * (5xx, refused) is not: Sync is down, and waiting costs time.
   */
  private async readShared(deadline: Deadline): Promise<StoreModule.StoreRead> {
    if (this.now() < this.entry.syncDownUntil) return { state: 'unavailable', timedOut: false };
    const reserveMs = this.selfFetchReserve(deadline);
    let read = await this.store.read(deadline, reserveMs);
    const timedOut = read.state === 'unavailable' && read.timedOut;
    if (timedOut && deadline.fits(MIN_SYNC_CALL_MS, reserveMs)) {
      this.recordEvent('sync_read_retry');
      read = await this.store.read(deadline, reserveMs);
    }
    if (read.state === 'unavailable') this.markSyncDown();
    if (read.state !== 'present') return read;
    if (read.document.problem) this.recordEvent(`sync_document_${read.document.problem}`);
    if (this.usable(read.document.token)) this.remember(read.document.token);
    return read;
  }

  /**
   * Refresh ahead: the token is still good, so this invocation goes on using it; it claims the
   * refresh with a conditional write and fetches the next token in the background.
   */
  private async claimRefreshAhead(
    deadline: Deadline,
    document: Doc,
    heldToken: TokenRecord,
  ): Promise<void> {
    const claim = await this.lease(document, heldToken, deadline);
    if (!claim.ok) {
      // Not on a timeout: Sync just answered the read, and the token in hand is still good.
      if (claim.failure === 'unavailable') this.markSyncDown();
      return;
    }
    this.recordEvent('refresh_ahead_claimed');
    const refresh = this.fetchAsLeaseHolder(deadline, claim.value.revision, heldToken, 0);
    this.inBackground(
      refresh.then(() => this.recordEvent('refresh_ahead_done')),
      'refresh_ahead_failed',
    );
  }

  /**
   * No usable token anywhere: take the lease (create the document, or claim it with If-Match) and
   * fetch. Losing the race means another invocation holds it now: wait for it. A document Sync
   * removed (its TTL) after it was read is created again.
   */
  private async leaseAndFetch(deadline: Deadline, document: Doc): Promise<AcquiredToken> {
    const lease = await this.lease(document, null, deadline);
    if (lease.ok) {
      if (document) this.recordEvent('refresh_claimed');
      return this.fetched(this.fetchAsLeaseHolder(deadline, lease.value.revision, null));
    }
    switch (lease.failure) {
      case 'conflict':
      case 'stale':
      case 'rate_limited':
        this.recordEvent(document ? 'claim_race_lost' : 'create_race_lost');
        return this.waitForRefresher(deadline);
      case 'not_found':
        if (document) return this.leaseAndFetch(deadline, null);
        break;
      case 'timeout': {
        // The write may have landed, leaving others waiting on this invocation: offer them the
        // token this invocation fetches.
        this.markSyncDown();
        const token = await this.fetchDirectly(deadline);
        this.inBackground(this.store.publish(token, deadline), 'publish_failed');
        return result(token, 'auth0', true);
      }
    }
    this.markSyncDown();
    return this.fetched(this.fetchDirectly(deadline));
  }

  /**
   * Polls the document with exponential backoff and jitter until the refresher's token appears,
   * taking over if its lease lapses, and fetching directly once only the self-fetch reserve is
   * left (the last pause is shortened to end there rather than skipped). A poll that timed out is
   * no reason to stop; Sync failing outright (5xx, refused) is: it holds nothing to wait for.
   */
  private async waitForRefresher(deadline: Deadline): Promise<AcquiredToken> {
    const reserveMs = this.selfFetchReserve(deadline);
    const readMs = Math.max(MIN_SYNC_CALL_MS, deadline.reserve(LAST_POLL_READ_MS, 0.1));
    let delay = POLL_FIRST_MS;
    let lastPollTimedOut = false;
    for (let poll = 0; poll < MAX_POLLS; poll += 1) {
      const room = deadline.remainingMs() - reserveMs - readMs;
      if (room <= 0) break;
      await deadline.sleep(Math.min(Math.round(delay * (0.5 + this.random())), room));
      delay = Math.min(delay * 2, POLL_MAX_MS);
      const read = await this.store.read(deadline, reserveMs);
      if (read.state === 'unavailable' && !read.timedOut) {
        this.markSyncDown();
        this.recordEvent('wait_stopped_sync_down');
        return this.fetched(this.fetchDirectly(deadline));
      }
      lastPollTimedOut = read.state === 'unavailable';
      if (read.state === 'rateLimited' || read.state === 'unavailable') continue;
      const document = read.state === 'present' ? read.document : null;
      if (document && this.usable(document.token)) {
        this.remember(document.token);
        return result(document.token, 'sync', true);
      }
      if (document && this.now() < document.apiRejectsUntil) {
        throw apiRejectsFreshTokens(document.apiRejectsUntil, this.now());
      }
      if (document && document.refreshingUntil > this.now()) continue;
      const lease = await this.store.takeLease(document, null, deadline, reserveMs);
      if (lease.ok) {
        if (document) this.recordEvent('refresh_claimed_after_lapse');
        return this.fetched(this.fetchAsLeaseHolder(deadline, lease.value.revision, null));
      }
    }
    if (lastPollTimedOut) this.markSyncDown();
    this.recordEvent('wait_gave_up');
    return this.fetched(this.fetchDirectly(deadline));
  }

  /**
   * Fetches as the lease holder and writes the token where the lease was taken. If the fetch
   * fails, the lease is released at once (keeping `heldToken`, the token others still use), so
   * that waiting invocations try for themselves instead of waiting out the lease.
   */
  private async fetchAsLeaseHolder(
    deadline: Deadline,
    leaseRevision: string,
    heldToken: TokenRecord | null,
    reserveMs?: number,
  ): Promise<TokenRecord> {
    let token: TokenRecord;
    try {
      token = await this.fetchFromAuth0(deadline, reserveMs);
    } catch (error) {
      await this.store.releaseLease(leaseRevision, heldToken, deadline);
      throw error;
    }
    const stored = await this.store.storeToken(token, leaseRevision, deadline);
    if (!stored.ok) {
      this.recordEvent(stored.failure === 'stale' ? 'store_lease_lost' : 'store_failed');
    }
    return token;
  }

  /** Fetches without Sync, one fetch per container at a time. */
  private async fetchDirectly(deadline: Deadline): Promise<TokenRecord> {
    this.recordEvent('token_fetched_without_sync');
    if (!this.entry.directFetch) {
      this.entry.directFetch = this.fetchFromAuth0(deadline).finally(() => {
        this.entry.directFetch = null;
      });
    }
    return this.entry.directFetch;
  }

  /** The only call to Auth0: the token is remembered, and known as this container's own. */
  private async fetchFromAuth0(deadline: Deadline, reserveMs?: number): Promise<TokenRecord> {
    const issued = await this.source.fetch(deadline, reserveMs === undefined ? {} : { reserveMs });
    const token: TokenRecord = { ...issued };
    this.entry.fetchedHere(token.accessToken, this.now());
    this.remember(token);
    return token;
  }

  private usable(token: TokenRecord | null): token is TokenRecord {
    return this.entry.accepts(token, this.keyThumbprint, this.now());
  }

  private remember(token: TokenRecord): void {
    this.entry.remember(token, this.keyThumbprint, this.now());
  }

  private inMargin(token: TokenRecord): boolean {
    return this.now() >= token.expiresAt - refreshMarginMs(token);
  }

  /** A token this invocation waited for while it was fetched from Auth0. */
  private async fetched(fetching: Promise<TokenRecord>): Promise<AcquiredToken> {
    return result(await fetching, 'auth0', true);
  }

  /** Runs `work` without waiting for it; `whenBackgroundWorkDone` does. Failures are logged. */
  private inBackground(work: Promise<unknown>, failureEvent: string): void {
    const logFailure = () => this.recordEvent(failureEvent);
    this.backgroundWork.push(work.then(() => undefined, logFailure));
  }

  /** Takes the refresh lease, keeping the self-fetch reserve (a fetch may follow). */
  private lease(document: Doc, heldToken: TokenRecord | null, deadline: Deadline) {
    return this.store.takeLease(document, heldToken, deadline, this.selfFetchReserve(deadline));
  }

  private selfFetchReserve(deadline: Deadline): number {
    return deadline.reserve(SELF_FETCH_RESERVE_MS, 0.4);
  }

  private markSyncDown(): void {
    this.recordEvent('sync_unavailable');
    this.entry.syncDownUntil = this.now() + SYNC_DOWN_BACKOFF_MS;
  }
}

function result(token: TokenRecord, source: TokenSource, waited: boolean): AcquiredToken {
  return { ...token, source, waited };
}
