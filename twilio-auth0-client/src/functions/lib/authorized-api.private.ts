// secure-api behind a cached Auth0 token: gets a token from the cache, calls the API, and when
// the API answers 401 `invalid_token` drops that exact token, gets one other token and retries
// once. Never more: a second rejection is an API_UNAUTHORIZED answer, not a loop that burns the
// token quota, and a rejected token fetched just now is a misconfiguration (the cache stops
// fetching for a cool-down). A 403 `insufficient_scope` on a token this container did not fetch
// in the last minute is retried the same way once: the token may predate a new grant, or have
// been planted in Sync. Any other failure (API down, 5xx) leaves the token where it is.
import type { Context } from '@twilio-labs/serverless-runtime-types/types';
import type * as ApiModule from './api-client.private';
import type * as ClientCredentialsModule from './client-credentials-source.private';
import type * as CipherModule from './token-cipher.private';
import type * as ConfigModule from './config.private';
import type * as DeadlineModule from './deadline.private';
import type * as ErrorsModule from './errors.private';
import type * as LogModule from './invocation-log.private';
import type * as StoreModule from './sync-token-store.private';
import type * as SyncModule from './twilio-sync-client.private';
import type * as CacheModule from './token-cache.private';
import type * as Loader from './loader.private';

const { shared } = module.require(Runtime.getFunctions()['lib/loader']!.path) as typeof Loader;
const { ApiClient } = shared<typeof ApiModule>('lib/api-client');
const { ClientCredentialsSource } = shared<typeof ClientCredentialsModule>(
  'lib/client-credentials-source',
);
const { TokenCipher } = shared<typeof CipherModule>('lib/token-cipher');
const { FunctionError } = shared<typeof ErrorsModule>('lib/errors');
const { SyncTokenStore } = shared<typeof StoreModule>('lib/sync-token-store');
const { syncDocumentsFor } = shared<typeof SyncModule>('lib/twilio-sync-client');
const { TokenCache } = shared<typeof CacheModule>('lib/token-cache');

type Deadline = DeadlineModule.Deadline;
type ApiRequest = ApiModule.ApiRequest;
type ApiResponse = ApiModule.ApiResponse;
type AcquiredToken = CacheModule.AcquiredToken;

export interface AuthorizedResult {
  response: ApiResponse;
  /** The token the answered call was made with. */
  token: AcquiredToken;
}

/** A call's outcome: an answer, or the token refused (401 invalid_token, 403 insufficient_scope). */
type Attempt =
  | { kind: 'response'; response: ApiResponse }
  | { kind: 'token_rejected' }
  | { kind: 'scope_refused'; error: ErrorsModule.FunctionError };

export class AuthorizedApi {
  constructor(
    private readonly tokens: CacheModule.TokenCache,
    private readonly api: ApiModule.ApiClient,
    private readonly log: LogModule.InvocationLog,
  ) {}

  static fromContext(
    context: Context,
    config: ConfigModule.ServiceConfig,
    log: LogModule.InvocationLog,
  ): AuthorizedApi {
    const recordEvent = (event: string) => log.event(event);
    const documents = syncDocumentsFor(context, {
      serviceSid: config.syncServiceSid,
      baseUrl: config.syncBaseUrl,
    });
    const cipher = config.tokenCacheKey ? new TokenCipher(config.tokenCacheKey) : undefined;
    const expected = { audience: config.auth0Audience, tokenUrl: config.auth0TokenUrl };
    const store = new SyncTokenStore(documents, config.syncTokenDoc, expected, cipher);
    const source = new ClientCredentialsSource(
      {
        tokenUrl: config.auth0TokenUrl,
        clientId: config.auth0ClientId,
        clientAuth: config.auth0ClientAuth,
        audience: config.auth0Audience,
        dpopKey: config.dpopKey,
      },
      recordEvent,
    );
    const cacheKey = [
      config.syncServiceSid,
      config.syncTokenDoc,
      config.auth0TokenUrl,
      config.auth0ClientId,
      config.auth0Audience,
    ].join('|');
    // Not part of the key: warm memory refuses a token bound to another key (a rotated one).
    const keyThumbprint = config.dpopKey?.thumbprint ?? null;
    const tokens = new TokenCache(cacheKey, store, source, keyThumbprint, recordEvent);
    const api = new ApiClient(config.apiBaseUrl, recordEvent, Math.random, config.dpopKey);
    return new AuthorizedApi(tokens, api, log);
  }

  async call(request: ApiRequest, deadline: Deadline): Promise<AuthorizedResult> {
    const first = await this.timed('tokenMs', () => this.tokens.acquire(deadline));
    this.track(first);
    const outcome = await this.attempt('apiMs', request, first, deadline);
    if (outcome.kind === 'response') return { response: outcome.response, token: first };
    if (outcome.kind === 'scope_refused' && this.tokens.fetchedHereJustNow(first)) {
      throw outcome.error;
    }

    const second = await this.timed('tokenRetryMs', () =>
      this.tokens.replaceRejected(first, deadline),
    );
    this.track(second);
    const retried = await this.attempt('apiRetryMs', request, second, deadline);
    if (retried.kind === 'response') return { response: retried.response, token: second };
    if (retried.kind === 'scope_refused') throw retried.error;
    const coolingDown = this.tokens.forgetRejected(second, deadline);
    throw (
      coolingDown ?? new FunctionError('API_UNAUTHORIZED', 'API rejected a newly obtained token')
    );
  }

  /** Waits for work the token cache started in the background, so the runtime does not freeze it. */
  whenBackgroundWorkDone(): Promise<void> {
    return this.tokens.whenBackgroundWorkDone();
  }

  private async attempt(
    timing: string,
    request: ApiRequest,
    token: AcquiredToken,
    deadline: Deadline,
  ): Promise<Attempt> {
    const { accessToken, tokenType } = token;
    const outcome = await this.timed(timing, () =>
      this.api.send(request, { accessToken, tokenType }, deadline),
    );
    if (outcome.kind === 'token_rejected') return { kind: 'token_rejected' };
    if (outcome.kind === 'scope_refused') return outcome;
    this.log.set('apiStatus', outcome.response.status);
    return outcome;
  }

  private track(token: AcquiredToken): void {
    this.log.addSecret(token.accessToken);
    this.log.set('tokenSource', token.source);
    this.log.set('tokenWaited', token.waited);
  }

  private async timed<T>(name: string, work: () => Promise<T>): Promise<T> {
    const startedAt = Date.now();
    try {
      return await work();
    } finally {
      this.log.timing(name, Date.now() - startedAt);
    }
  }
}
