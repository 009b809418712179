// The shared level of the token cache: one Sync document, read and written with the document's
// revision (If-Match) so that concurrent invocations in separate containers agree on who
// refreshes. The document holds the token (`access_token`, `token_type`, `bound_key`,
// `expires_at`, `fetched_at`), the `audience` it is for, `refreshing_until` (the lease of the
// invocation currently fetching a new token) and `api_rejects_until` (the cool-down after the API
// rejected a token fetched just now). With TOKEN_CACHE_KEY set, all of it is sealed into one
// authenticated `sealed` field, the document's name as associated data.
//
// Any Sync client of the service can write the document, so nothing in it is trusted blindly: a
// lease or cool-down further ahead than this service ever sets one, or a token that is not a JWT
// for this audience and issuer with the `exp` the document claims, makes the document corrupt,
// and the cache replaces it. It is written with a Sync TTL so an abandoned document goes away,
// but expiry is always decided here from `expires_at`: Sync's TTL deletion is approximate.
//
// Each call takes its timeout from the invocation's Deadline, keeping `reserveMs` for what must
// follow; with too little time left it does not call Sync and answers as a timeout would.
import type * as DeadlineModule from './deadline.private';
import type * as SyncModule from './twilio-sync-client.private';
import type * as CipherModule from './token-cipher.private';
import type * as DiagnosisModule from './token-diagnosis.private';
import type * as Loader from './loader.private';

const { shared } = module.require(Runtime.getFunctions()['lib/loader']!.path) as typeof Loader;
const { decodeJwtPayload } = shared<typeof DiagnosisModule>('lib/token-diagnosis');

type SyncDocuments = SyncModule.SyncDocuments;
type SyncResult<T> = SyncModule.SyncResult<T>;
type TokenCipher = CipherModule.TokenCipher;
type Deadline = DeadlineModule.Deadline;
type WriteResult = SyncResult<CacheDocument>;

export const DOCUMENT_FORMAT = 'auth0-m2m-token/v1';

export type TokenType = 'Bearer' | 'DPoP';

export interface TokenRecord {
  accessToken: string;
  tokenType: TokenType;
  /** RFC 7638 thumbprint of the DPoP key configured when the token was requested; null: none. */
  boundKey: string | null;
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
  /** Epoch milliseconds until which no token is fetched (the API rejects fresh ones); 0: none. */
  apiRejectsUntil: number;
  /** Why the content was unusable, for the log line. */
  problem: DocumentProblem | null;
}

export type DocumentProblem =
  'corrupt' | 'foreign' | 'undecryptable' | 'implausible_token' | 'unbounded_lease';

export type StoreRead =
  | { state: 'present'; document: CacheDocument }
  | { state: 'missing' }
  /** Sync answered 429: it is up, but this document is read too often right now. */
  | { state: 'rateLimited' }
  /** `timedOut`: no answer in time, which on a busy host may be this process, not Sync. */
  | { state: 'unavailable'; timedOut: boolean };

/** What a cached token must say about itself to be sent (read, not verified). */
export interface ExpectedToken {
  audience: string;
  /** The token URL: the token's `iss` must be its origin. */
  tokenUrl: string;
}

// Generous for Sync (usually tens of ms): a timeout sends the invocation to Auth0 directly.
const SYNC_CALL_CAP_MS = 2500;
/** The shortest Sync call worth making. */
export const MIN_SYNC_CALL_MS = 200;
/** Publishing after a lease write that timed out is a courtesy: it may not hold the answer up. */
const PUBLISH_CAP_MS = 1000;
/** Seconds past a token's expiry that Sync keeps the document before deleting it. */
const TTL_SLACK_SECONDS = 60;
/**
 * A lease lasts until its holder's deadline, and Twilio kills an invocation at 10 s: a lease
 * ending later than that (plus clock slack) was not written by this service.
 */
const LONGEST_LEASE_MS = 10_000 + 2_000;
/** How long fetching stops after the API rejected a token fetched just now. */
export const API_REJECTION_COOL_DOWN_MS = 5 * 60_000;
/** Auth0's longest access-token lifetime. */
const LONGEST_TOKEN_LIFETIME_MS = 30 * 24 * 3600_000;
/** Allowed gap between `expires_at` and the JWT's `exp` (clock skew between Auth0 and here). */
const EXPIRY_SKEW_MS = 5 * 60_000;

export class SyncTokenStore {
  private readonly issuerOrigin: string;

  constructor(
    private readonly documents: SyncDocuments,
    readonly uniqueName: string,
    private readonly expected: ExpectedToken,
    private readonly cipher: TokenCipher | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.issuerOrigin = new URL(expected.tokenUrl).origin;
  }

  async read(deadline: Deadline, reserveMs: number): Promise<StoreRead> {
    const timeoutMs = deadline.timeoutIfAny(SYNC_CALL_CAP_MS, reserveMs, MIN_SYNC_CALL_MS);
    if (timeoutMs === null) return { state: 'unavailable', timedOut: true };
    const result = await this.documents.fetch(this.uniqueName, timeoutMs);
    if (result.ok) return { state: 'present', document: this.parse(result.value) };
    if (result.failure === 'not_found') return { state: 'missing' };
    if (result.failure === 'rate_limited') return { state: 'rateLimited' };
    return { state: 'unavailable', timedOut: result.failure === 'timeout' };
  }

  /**
   * Takes the refresh lease until the deadline's end: a conditional claim of `document` as read,
   * or, when there is no document, its creation. `heldToken` is the token others go on using
   * meanwhile (null: none).
   */
  takeLease(
    document: CacheDocument | null,
    heldToken: TokenRecord | null,
    deadline: Deadline,
    reserveMs: number,
  ): Promise<WriteResult> {
    const content = { token: heldToken, leaseUntil: deadline.endsAt };
    return this.write(content, deadline, reserveMs, document?.revision ?? 'create');
  }

  /** Gives the lease up after a failed fetch, keeping `heldToken`, if still at `revision`. */
  releaseLease(revision: string, heldToken: TokenRecord | null, deadline: Deadline) {
    return this.write({ token: heldToken }, deadline, 0, revision);
  }

  /** Stores a new token, releasing the lease, if the document is still at `revision`. */
  storeToken(token: TokenRecord, revision: string, deadline: Deadline): Promise<WriteResult> {
    return this.write({ token }, deadline, 0, revision);
  }

  /**
   * Writes `token` whatever the document holds, within a short cap: after a lease write that
   * timed out (it may have landed, and others may be waiting on it), where no revision is known.
   */
  publish(token: TokenRecord, deadline: Deadline): Promise<WriteResult> {
    return this.write({ token }, deadline, 0, 'any', PUBLISH_CAP_MS);
  }

  /** Records that the API rejects fresh tokens: no token, and no fetching until `until`. */
  async recordApiRejection(until: number, deadline: Deadline): Promise<WriteResult> {
    const content = { token: null, apiRejectsUntil: until };
    const written = await this.write(content, deadline, 0, 'any');
    if (written.ok || written.failure !== 'not_found') return written;
    return this.write(content, deadline, 0, 'create');
  }

  /** `ifMatch`: a revision (conditional update), 'create' (a new document) or 'any'. */
  private async write(
    content: { token: TokenRecord | null; leaseUntil?: number; apiRejectsUntil?: number },
    deadline: Deadline,
    reserveMs: number,
    ifMatch: string,
    capMs = SYNC_CALL_CAP_MS,
  ): Promise<WriteResult> {
    const timeoutMs = deadline.timeoutIfAny(capMs, reserveMs, MIN_SYNC_CALL_MS);
    if (timeoutMs === null) return { ok: false, failure: 'timeout' };
    const { token, leaseUntil = 0, apiRejectsUntil = 0 } = content;
    const data = this.serialize(token, leaseUntil, apiRejectsUntil);
    const until = Math.max(token?.expiresAt ?? 0, leaseUntil, apiRejectsUntil, this.now());
    const ttlSeconds = Math.max(1, Math.ceil((until - this.now()) / 1000)) + TTL_SLACK_SECONDS;
    const result =
      ifMatch === 'create'
        ? await this.documents.create(this.uniqueName, data, ttlSeconds, timeoutMs)
        : await this.documents.update(
            this.uniqueName,
            data,
            ttlSeconds,
            ifMatch === 'any' ? null : ifMatch,
            timeoutMs,
          );
    if (!result.ok) return result;
    const revision = result.value.revision;
    return {
      ok: true,
      value: { revision, token, refreshingUntil: leaseUntil, apiRejectsUntil, problem: null },
    };
  }

  private serialize(
    token: TokenRecord | null,
    leaseUntil: number,
    apiRejectsUntil: number,
  ): Record<string, unknown> {
    const fields: Record<string, unknown> = {
      audience: this.expected.audience,
      refreshing_until: isoOrNull(leaseUntil),
      api_rejects_until: isoOrNull(apiRejectsUntil),
    };
    if (token) {
      fields.access_token = token.accessToken;
      fields.token_type = token.tokenType;
      fields.bound_key = token.boundKey;
      fields.expires_at = new Date(token.expiresAt).toISOString();
      fields.fetched_at = new Date(token.fetchedAt).toISOString();
    }
    if (!this.cipher) return { format: DOCUMENT_FORMAT, ...fields };
    return {
      format: DOCUMENT_FORMAT,
      sealed: this.cipher.encrypt(JSON.stringify(fields), this.uniqueName),
    };
  }

  /** Reads what a document holds; anything unexpected makes it empty (refresh and overwrite). */
  parse(snapshot: { revision: string; data: unknown }): CacheDocument {
    const empty: CacheDocument = {
      revision: snapshot.revision,
      token: null,
      refreshingUntil: 0,
      apiRejectsUntil: 0,
      problem: null,
    };
    const unusable = (problem: DocumentProblem): CacheDocument => ({ ...empty, problem });
    const data = asObject(snapshot.data);
    if (!data) return unusable('corrupt');
    if (data.format !== DOCUMENT_FORMAT) return unusable('foreign');
    let fields: Record<string, unknown> | null = data;
    if (this.cipher) {
      // With a key set, only a sealed document is ours: any edit fails to open, and nothing may
      // stand beside the seal.
      if (typeof data.sealed !== 'string') return unusable('undecryptable');
      if (Object.keys(data).length !== 2) return unusable('corrupt');
      const opened = this.cipher.decrypt(data.sealed, this.uniqueName);
      fields = opened === undefined ? null : asObject(parseJson(opened));
      if (!fields) return unusable('undecryptable');
    } else if (data.sealed !== undefined) {
      return unusable('undecryptable');
    }
    if (fields.audience !== this.expected.audience) return unusable('foreign');

    const now = this.now();
    const refreshingUntil = parseOptionalTime(fields.refreshing_until);
    const apiRejectsUntil = parseOptionalTime(fields.api_rejects_until);
    if (refreshingUntil === undefined || apiRejectsUntil === undefined) return unusable('corrupt');
    if (
      refreshingUntil > now + LONGEST_LEASE_MS ||
      apiRejectsUntil > now + API_REJECTION_COOL_DOWN_MS + LONGEST_LEASE_MS
    ) {
      return unusable('unbounded_lease');
    }
    const document = { ...empty, refreshingUntil, apiRejectsUntil };
    if (fields.access_token === undefined) return document; // a lease or a cool-down, no token
    const token = this.readToken(fields);
    if (token === 'corrupt') return unusable('corrupt');
    if (!this.plausible(token)) return unusable('implausible_token');
    return { ...document, token };
  }

  private readToken(fields: Record<string, unknown>): TokenRecord | 'corrupt' {
    const { access_token: accessToken, token_type: tokenType, bound_key: boundKey } = fields;
    const expiresAt = parseTime(fields.expires_at);
    const fetchedAt = parseTime(fields.fetched_at);
    if (
      typeof accessToken !== 'string' ||
      !/^[\x21-\x7e]+$/.test(accessToken) ||
      (tokenType !== 'Bearer' && tokenType !== 'DPoP') ||
      (boundKey !== null && typeof boundKey !== 'string') ||
      expiresAt === undefined ||
      fetchedAt === undefined ||
      fetchedAt > expiresAt ||
      expiresAt - fetchedAt > LONGEST_TOKEN_LIFETIME_MS
    ) {
      return 'corrupt';
    }
    return { accessToken, tokenType, boundKey, expiresAt, fetchedAt };
  }

  /**
   * Whether a cached token says what a token fetched for this service says: a JWT whose `exp`
   * agrees with `expires_at`, whose `aud` holds the audience and whose `iss` is the token URL's
   * origin. Read without verifying the signature (the API does that): this catches a planted
   * token for another API or one given a false expiry, not a forgery.
   */
  private plausible(token: TokenRecord): boolean {
    const claims = decodeJwtPayload(token.accessToken);
    if (!claims) return false;
    const { exp, aud, iss } = claims;
    const audiences: unknown[] = Array.isArray(aud) ? aud : [aud];
    return (
      typeof exp === 'number' &&
      Math.abs(exp * 1000 - token.expiresAt) <= EXPIRY_SKEW_MS &&
      audiences.includes(this.expected.audience) &&
      (iss === this.issuerOrigin || iss === `${this.issuerOrigin}/`)
    );
  }
}

function isoOrNull(ms: number): string | null {
  return ms > 0 ? new Date(ms).toISOString() : null;
}

function asObject(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function parseTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** A time that may be absent (null: 0); undefined when present but not a time. */
function parseOptionalTime(value: unknown): number | undefined {
  return value === null || value === undefined ? 0 : parseTime(value);
}
