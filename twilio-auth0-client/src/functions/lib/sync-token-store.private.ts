// The shared level of the token cache: one Sync document, read and written with the document's
// revision (If-Match) so that concurrent invocations in separate containers agree on who
// refreshes. The document holds `access_token` (or `access_token_encrypted` when TOKEN_CACHE_KEY
// is set), `expires_at`, `fetched_at`, the `audience` it is for and `refreshing_until` (the lease
// of the invocation currently fetching a new token). It is written with a Sync TTL so an
// abandoned document goes away, but expiry is always decided here from `expires_at`: Sync's TTL
// deletion is approximate.
import type * as SyncModule from './twilio-sync-client.private';
import type * as CipherModule from './token-cipher.private';

type SyncDocuments = SyncModule.SyncDocuments;
type SyncResult<T> = SyncModule.SyncResult<T>;
type TokenCipher = CipherModule.TokenCipher;

export const DOCUMENT_FORMAT = 'auth0-m2m-token/v1';

export interface TokenRecord {
  accessToken: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  /** Epoch milliseconds. */
  fetchedAt: number;
}

export interface CacheDocument {
  revision: string;
  /** The cached token; null when there is none or the content is unusable. */
  token: TokenRecord | null;
  /** Epoch milliseconds until which another invocation holds the refresh; 0 when none. */
  refreshingUntil: number;
  /** Why the content was unusable, for the log line. */
  problem: 'corrupt' | 'foreign' | 'undecryptable' | null;
}

export type StoreRead =
  | { state: 'present'; document: CacheDocument }
  | { state: 'missing' }
  /** Sync answered 429: it is up, but this document is read too often right now. */
  | { state: 'busy' }
  /** `timedOut`: no answer in time, which on a busy host may be this process, not Sync. */
  | { state: 'unavailable'; timedOut: boolean };

/** Seconds past a token's expiry that Sync keeps the document before deleting it. */
const TTL_SLACK_SECONDS = 60;

export class SyncTokenStore {
  constructor(
    private readonly documents: SyncDocuments,
    readonly uniqueName: string,
    private readonly audience: string,
    private readonly cipher: TokenCipher | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  async read(timeoutMs: number): Promise<StoreRead> {
    const result = await this.documents.fetch(this.uniqueName, timeoutMs);
    if (result.ok) return { state: 'present', document: this.parse(result.value) };
    if (result.failure === 'not_found') return { state: 'missing' };
    if (result.failure === 'rate_limited') return { state: 'busy' };
    return { state: 'unavailable', timedOut: result.failure === 'timeout' };
  }

  /**
   * Takes the refresh lease: a conditional claim of `document` as read, or, when there is no
   * document, its creation. `keep` is the token others go on using meanwhile (null: none).
   */
  takeLease(
    document: CacheDocument | null,
    keep: TokenRecord | null,
    leaseUntil: number,
    timeoutMs: number,
  ): Promise<SyncResult<CacheDocument>> {
    return document
      ? this.claim(document, keep, leaseUntil, timeoutMs)
      : this.createLease(keep, leaseUntil, timeoutMs);
  }

  /**
   * Creates the document as a lease, holding `keep` (a token still good for others to use) or no
   * token yet: whoever creates it fetches the next token.
   */
  createLease(
    keep: TokenRecord | null,
    leaseUntil: number,
    timeoutMs: number,
  ): Promise<SyncResult<CacheDocument>> {
    return this.write(keep, leaseUntil, timeoutMs, null);
  }

  /**
   * Claims the refresh: a conditional write of the revision read, keeping `keep` (the token others
   * go on using meanwhile, or null to drop it) and setting the lease.
   */
  claim(
    document: CacheDocument,
    keep: TokenRecord | null,
    leaseUntil: number,
    timeoutMs: number,
  ): Promise<SyncResult<CacheDocument>> {
    return this.write(keep, leaseUntil, timeoutMs, document.revision);
  }

  /** Gives the lease up after a failed fetch, keeping `keep`, if still at `revision`. */
  release(
    revision: string,
    keep: TokenRecord | null,
    timeoutMs: number,
  ): Promise<SyncResult<CacheDocument>> {
    return this.write(keep, 0, timeoutMs, revision);
  }

  /** Stores a new token, releasing the lease, if the document is still at `revision`. */
  store(
    token: TokenRecord,
    revision: string,
    timeoutMs: number,
  ): Promise<SyncResult<CacheDocument>> {
    return this.write(token, 0, timeoutMs, revision);
  }

  private async write(
    token: TokenRecord | null,
    leaseUntil: number,
    timeoutMs: number,
    ifMatch: string | null,
  ): Promise<SyncResult<CacheDocument>> {
    const data = this.serialize(token, leaseUntil);
    const until = Math.max(token?.expiresAt ?? 0, leaseUntil, this.now());
    const ttlSeconds = Math.max(1, Math.ceil((until - this.now()) / 1000)) + TTL_SLACK_SECONDS;
    const result =
      ifMatch === null
        ? await this.documents.create(this.uniqueName, data, ttlSeconds, timeoutMs)
        : await this.documents.update(this.uniqueName, data, ttlSeconds, ifMatch, timeoutMs);
    if (!result.ok) return result;
    return {
      ok: true,
      value: { revision: result.value.revision, token, refreshingUntil: leaseUntil, problem: null },
    };
  }

  private associatedData(expiresAt: string): string {
    return `${this.uniqueName}|${this.audience}|${expiresAt}`;
  }

  private serialize(token: TokenRecord | null, leaseUntil: number): Record<string, unknown> {
    const data: Record<string, unknown> = {
      format: DOCUMENT_FORMAT,
      audience: this.audience,
      refreshing_until: leaseUntil > 0 ? new Date(leaseUntil).toISOString() : null,
    };
    if (token) {
      const expiresAt = new Date(token.expiresAt).toISOString();
      if (this.cipher) {
        data.access_token_encrypted = this.cipher.encrypt(
          token.accessToken,
          this.associatedData(expiresAt),
        );
      } else {
        data.access_token = token.accessToken;
      }
      data.expires_at = expiresAt;
      data.fetched_at = new Date(token.fetchedAt).toISOString();
    }
    return data;
  }

  /** Reads what a document holds; anything unexpected makes the token null (refresh and overwrite). */
  parse(snapshot: { revision: string; data: unknown }): CacheDocument {
    const unusable = (problem: CacheDocument['problem']): CacheDocument => ({
      revision: snapshot.revision,
      token: null,
      refreshingUntil: 0,
      problem,
    });
    const data = snapshot.data;
    if (typeof data !== 'object' || data === null || Array.isArray(data))
      return unusable('corrupt');
    const record = data as Record<string, unknown>;
    if (record.format !== DOCUMENT_FORMAT || record.audience !== this.audience) {
      return unusable('foreign');
    }
    const refreshingUntil = parseTime(record.refreshing_until) ?? 0;
    const document: CacheDocument = {
      revision: snapshot.revision,
      token: null,
      refreshingUntil,
      problem: null,
    };
    const hasPlain = record.access_token !== undefined;
    const hasSealed = record.access_token_encrypted !== undefined;
    if (!hasPlain && !hasSealed) return document; // a lease, no token yet
    const expiresAt = parseTime(record.expires_at);
    const fetchedAt = parseTime(record.fetched_at);
    if (expiresAt === undefined || fetchedAt === undefined || fetchedAt > expiresAt) {
      return { ...document, problem: 'corrupt' };
    }
    let accessToken: string | undefined;
    if (this.cipher) {
      // With a key set, a plaintext token is not ours to trust: refresh and overwrite it.
      if (!hasSealed || typeof record.access_token_encrypted !== 'string') {
        return { ...document, problem: 'foreign' };
      }
      accessToken = this.cipher.decrypt(
        record.access_token_encrypted,
        this.associatedData(record.expires_at as string),
      );
      if (accessToken === undefined) return { ...document, problem: 'undecryptable' };
    } else {
      if (!hasPlain) return { ...document, problem: 'undecryptable' };
      accessToken = typeof record.access_token === 'string' ? record.access_token : undefined;
    }
    if (!accessToken || !/^[\x21-\x7e]+$/.test(accessToken)) {
      return { ...document, problem: 'corrupt' };
    }
    return { ...document, token: { accessToken, expiresAt, fetchedAt } };
  }
}

function parseTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
