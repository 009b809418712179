// secure-api behind a cached Auth0 token: gets a token from the cache, calls the API, and when
// the API answers 401 `invalid_token` drops that exact token, gets one other token and retries
// once. Never more: a second rejection is an API_UNAUTHORIZED answer, not a loop that burns the
// token quota. Any other failure (API down, 5xx) leaves the token where it is.
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

export class AuthorizedApi {
  private readonly pending: Promise<void>[] = [];

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
    const note = (event: string) => log.event(event);
    const documents = syncDocumentsFor(context, {
      serviceSid: config.syncServiceSid,
      baseUrl: config.syncBaseUrl,
    });
    const cipher = config.tokenCacheKey ? new TokenCipher(config.tokenCacheKey) : undefined;
    const store = new SyncTokenStore(documents, config.syncTokenDoc, config.auth0Audience, cipher);
    const source = new ClientCredentialsSource(
      {
        tokenUrl: config.auth0TokenUrl,
        clientId: config.auth0ClientId,
        clientSecret: config.auth0ClientSecret,
        audience: config.auth0Audience,
      },
      note,
    );
    const cacheKey = [
      config.syncServiceSid,
      config.syncTokenDoc,
      config.auth0TokenUrl,
      config.auth0ClientId,
      config.auth0Audience,
    ].join('|');
    const tokens = new TokenCache(cacheKey, store, source, note);
    return new AuthorizedApi(tokens, new ApiClient(config.apiBaseUrl, note), log);
  }

  async call(request: ApiRequest, deadline: Deadline): Promise<AuthorizedResult> {
    const first = await this.timed('tokenMs', () => this.tokens.acquire(deadline));
    this.track(first);
    const outcome = await this.timed('apiMs', () =>
      this.api.send(request, first.accessToken, deadline),
    );
    if (outcome.kind === 'response') {
      this.log.set('apiStatus', outcome.response.status);
      return { response: outcome.response, token: first };
    }

    const second = await this.timed('tokenRetryMs', () =>
      this.tokens.invalidate(first.accessToken, deadline),
    );
    this.track(second);
    const retried = await this.timed('apiRetryMs', () =>
      this.api.send(request, second.accessToken, deadline),
    );
    if (retried.kind === 'response') {
      this.log.set('apiStatus', retried.response.status);
      return { response: retried.response, token: second };
    }
    throw new FunctionError('API_UNAUTHORIZED', 'API rejected a newly obtained token');
  }

  /** Waits for refreshes this invocation started, so the runtime does not freeze them midway. */
  settle(): Promise<void> {
    return Promise.all(this.pending).then(() => undefined);
  }

  private track(token: AcquiredToken): void {
    this.log.addSecret(token.accessToken);
    this.log.set('tokenSource', token.source);
    this.log.set('tokenWaited', token.waited);
    if (token.refreshAhead) this.pending.push(token.refreshAhead);
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
