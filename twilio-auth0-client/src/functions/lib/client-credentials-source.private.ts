// Gets a machine-to-machine access token from Auth0 with the client-credentials grant.
// Every issued token counts against Auth0's monthly quota, so this retries only where a retry
// can help: once after a 5xx or a dropped connection (with jitter), once after a 429 when the
// advertised reset fits the invocation's budget; never after an RFC 6749 error (bad secret,
// unknown audience), which would fail the same way again. The response is checked before anyone
// uses or caches it.
// The client authenticates with its secret or with a Private Key JWT assertion (a new one for
// every attempt, so a retry never reuses a `jti`). With a DPoP key, every attempt carries a new
// proof, and a `use_dpop_nonce` answer gets one more attempt with the nonce Auth0 gave.
import axios, { type AxiosResponse } from 'axios';
import type * as AssertionModule from './client-assertion.private';
import type * as ConfigModule from './config.private';
import type * as DeadlineModule from './deadline.private';
import type * as DpopKeyModule from './dpop-key.private';
import type * as ErrorsModule from './errors.private';
import type { TokenType } from './sync-token-store.private';
import type * as TokenDiagnosisModule from './token-diagnosis.private';
import type * as Loader from './loader.private';

const { shared } = module.require(Runtime.getFunctions()['lib/loader']!.path) as typeof Loader;
const { FunctionError } = shared<typeof ErrorsModule>('lib/errors');
const { decodeJwtPayload } = shared<typeof TokenDiagnosisModule>('lib/token-diagnosis');
const { CLIENT_ASSERTION_TYPE } = shared<typeof AssertionModule>('lib/client-assertion');

type Deadline = DeadlineModule.Deadline;
type FunctionError = ErrorsModule.FunctionError;

export interface ClientCredentials {
  tokenUrl: string;
  clientId: string;
  /** A client secret or a Private Key JWT assertion key, never both. */
  clientAuth: ConfigModule.ClientAuth;
  audience: string;
  /** When set, tokens are requested bound to this key (DPoP). */
  dpopKey?: DpopKeyModule.DpopKey | undefined;
}

export interface IssuedToken {
  accessToken: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  /** Epoch milliseconds. */
  fetchedAt: number;
  /** `DPoP` when Auth0 bound the token to the DPoP key; `Bearer` otherwise. */
  tokenType: TokenType;
  /**
   * Thumbprint of the DPoP key configured when the token was requested (null without one), also
   * for a token Auth0 answered as Bearer: the cache then knows it was asked for with that key.
   */
  boundKey: string | null;
}

export interface FetchOptions {
  /** Time to keep for what follows the fetch (the API call). */
  reserveMs?: number;
}

const ATTEMPT_CAP_MS = 3000;
const MIN_ATTEMPT_MS = 300;
const DEFAULT_RESERVE_MS = 1000;
const MAX_ATTEMPTS = 2;
const MIN_EXPIRES_IN_S = 5;
const MAX_EXPIRES_IN_S = 30 * 24 * 3600; // Auth0's maximum access-token lifetime
const MAX_TOKEN_LENGTH = 8192; // leaves room in Sync's 16 KiB document

/** Auth0's latest DPoP nonce per token endpoint, kept in warm memory for the next request. */
const authServerNonces = new Map<string, string>();

type AttemptOutcome =
  | { token: IssuedToken }
  | { error: FunctionError; retryAfterMs: number | null }
  | { nonce: string };

export class ClientCredentialsSource {
  constructor(
    private readonly credentials: ClientCredentials,
    private readonly recordEvent: (event: string) => void = () => undefined,
    private readonly random: () => number = Math.random,
  ) {}

  async fetch(deadline: Deadline, options: FetchOptions = {}): Promise<IssuedToken> {
    const reserveMs = options.reserveMs ?? deadline.reserve(DEFAULT_RESERVE_MS, 0.2);
    let nonceRetried = false;
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await this.attempt(deadline, reserveMs);
      if ('token' in outcome) return outcome.token;
      if ('nonce' in outcome) {
        // RFC 9449 §8: the nonce is new information, so the attempt does not count; once only.
        if (nonceRetried) {
          throw new FunctionError(
            'TOKEN_REQUEST_REJECTED',
            'Auth0 asked for a DPoP nonce again after the retry with its nonce',
          );
        }
        nonceRetried = true;
        attempt -= 1;
        this.recordEvent('token_dpop_nonce_retry');
        continue;
      }
      const { error, retryAfterMs } = outcome;
      const canRetry =
        retryAfterMs !== null &&
        attempt < MAX_ATTEMPTS &&
        deadline.fits(retryAfterMs + MIN_ATTEMPT_MS, reserveMs);
      if (!canRetry) throw error;
      this.recordEvent(
        error.code === 'TOKEN_RATE_LIMITED' ? 'token_rate_limit_wait' : 'token_retry',
      );
      await deadline.sleep(retryAfterMs);
    }
  }

  /** The pause before retrying after a 5xx or a dropped connection, jittered so that
   * invocations failing together do not retry together. */
  private retryPauseMs(): number {
    return 50 + Math.floor(this.random() * 200);
  }

  /** One request. A failure says whether a retry is worth it (`retryAfterMs` not null). */
  private async attempt(deadline: Deadline, reserveMs: number): Promise<AttemptOutcome> {
    const timeoutMs = deadline.timeoutFor('the token request', ATTEMPT_CAP_MS, reserveMs);
    const { tokenUrl, dpopKey } = this.credentials;
    this.recordEvent('token_request');
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
    };
    if (dpopKey) {
      const nonce = authServerNonces.get(tokenUrl);
      headers.dpop = dpopKey.proof('POST', tokenUrl, nonce === undefined ? {} : { nonce });
    }
    let response: AxiosResponse<unknown>;
    try {
      response = await axios.post<unknown>(tokenUrl, this.requestBody(), {
        timeout: timeoutMs,
        validateStatus: () => true,
        maxRedirects: 0,
        maxContentLength: 64 * 1024,
        headers,
      });
    } catch (error) {
      // Never rethrow or log the axios error itself: it carries the request body.
      const reason = axios.isAxiosError(error) ? (error.code ?? 'network error') : 'network error';
      const timedOut = reason === 'ECONNABORTED' || reason === 'ETIMEDOUT';
      return {
        error: new FunctionError(
          'TOKEN_ENDPOINT_UNAVAILABLE',
          timedOut
            ? `Token endpoint timed out after ${timeoutMs} ms`
            : `Token endpoint unreachable (${reason})`,
        ),
        retryAfterMs: this.retryPauseMs(),
      };
    }
    return this.interpret(response);
  }

  /** The grant with the client's authentication: a new assertion each time it is called. */
  private requestBody(): Record<string, string> {
    const { tokenUrl, clientId, clientAuth, audience } = this.credentials;
    const grant = { grant_type: 'client_credentials', client_id: clientId, audience };
    if (clientAuth.method === 'client_secret') {
      return { ...grant, client_secret: clientAuth.clientSecret };
    }
    return {
      ...grant,
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: clientAuth.assertionKey.assertion(clientId, tokenUrl),
    };
  }

  private interpret(response: AxiosResponse<unknown>): AttemptOutcome {
    const { status } = response;
    const { dpopKey, tokenUrl, clientAuth } = this.credentials;
    if (dpopKey) {
      const nonce = headerValue(response.headers['dpop-nonce']);
      if (nonce !== undefined && /^[\x21-\x7e]{1,512}$/.test(nonce)) {
        authServerNonces.set(tokenUrl, nonce);
        if (status === 400 && oauthErrorCode(response.data) === 'use_dpop_nonce') return { nonce };
      }
    }
    if (status === 200) {
      const token = validateTokenResponse(response.data, Date.now(), dpopKey?.thumbprint ?? null);
      if (dpopKey && token.tokenType === 'Bearer') this.recordEvent('token_bearer_despite_dpop');
      return { token };
    }
    if (status === 429) {
      const resetMs = rateLimitResetMs(response.headers);
      const resetNote = resetMs === null ? '' : `; resets in ${Math.ceil(resetMs / 1000)} s`;
      return {
        error: new FunctionError('TOKEN_RATE_LIMITED', `Auth0 rate limit reached${resetNote}`, {
          details: resetMs === null ? {} : { retryAfterSeconds: String(Math.ceil(resetMs / 1000)) },
        }),
        retryAfterMs: resetMs,
      };
    }
    if (status >= 500) {
      return {
        error: new FunctionError('TOKEN_ENDPOINT_UNAVAILABLE', `Token endpoint answered ${status}`),
        retryAfterMs: this.retryPauseMs(),
      };
    }
    const oauthError = oauthErrorCode(response.data);
    const refusedAssertion =
      clientAuth.method === 'private_key_jwt' && (status === 401 || status === 403);
    return {
      error: new FunctionError(
        'TOKEN_REQUEST_REJECTED',
        `Auth0 rejected the client-credentials request (${status}${oauthError ? ` ${oauthError}` : ''})${
          refusedAssertion ? REFUSED_ASSERTION_CAUSES : ''
        }`,
      ),
      retryAfterMs: null,
    };
  }
}

const REFUSED_ASSERTION_CAUSES =
  ': the client assertion was refused; likely a key that is not the credential registered in ' +
  'Auth0, a wrong AUTH0_CLIENT_ASSERTION_KID or _ALG, or an application not switched to ' +
  'Private Key JWT';

function invalidResponse(what: string): FunctionError {
  return new FunctionError('TOKEN_RESPONSE_INVALID', `Token endpoint response ${what}`);
}

/**
 * Checks a 200 body of the token endpoint; throws TOKEN_RESPONSE_INVALID when unusable.
 * `dpopThumbprint` is the configured DPoP key's (null without one): a DPoP token is expected
 * only when a proof was sent, and a Bearer answer is accepted either way (the API's policy may
 * be `none`).
 */
export function validateTokenResponse(
  data: unknown,
  now = Date.now(),
  dpopThumbprint: string | null = null,
): IssuedToken {
  if (typeof data !== 'object' || data === null) throw invalidResponse('is not a JSON object');
  const body = data as Record<string, unknown>;
  const accessToken = body.access_token;
  if (typeof accessToken !== 'string' || accessToken.length === 0) {
    throw invalidResponse('has no access_token');
  }
  if (accessToken.length > MAX_TOKEN_LENGTH || !/^[\x21-\x7e]+$/.test(accessToken)) {
    throw invalidResponse('has a malformed access_token');
  }
  const tokenType = typeof body.token_type === 'string' ? body.token_type.toLowerCase() : '';
  if (tokenType !== 'bearer' && !(tokenType === 'dpop' && dpopThumbprint !== null)) {
    throw invalidResponse(
      dpopThumbprint === null
        ? 'has a token_type other than Bearer'
        : 'has a token_type other than DPoP or Bearer',
    );
  }
  const expiresIn = body.expires_in;
  if (
    typeof expiresIn !== 'number' ||
    !Number.isFinite(expiresIn) ||
    expiresIn < MIN_EXPIRES_IN_S ||
    expiresIn > MAX_EXPIRES_IN_S
  ) {
    throw invalidResponse(
      `has a missing or absurd expires_in (expected ${MIN_EXPIRES_IN_S}..${MAX_EXPIRES_IN_S} s)`,
    );
  }
  // expires_in counts from issuance, which was before this response arrived; a JWT's own `exp`
  // (read, not verified) is the tighter bound when there is one.
  const expiresAt = Math.min(
    now + Math.floor(expiresIn * 1000),
    jwtExpiryMs(accessToken) ?? Infinity,
  );
  if (expiresAt <= now) throw invalidResponse('has a token that is already expired');
  return {
    accessToken,
    expiresAt,
    fetchedAt: now,
    tokenType: tokenType === 'dpop' ? 'DPoP' : 'Bearer',
    boundKey: dpopThumbprint,
  };
}

/** The `exp` claim of a JWT in epoch milliseconds, when the token is a readable JWT. */
function jwtExpiryMs(token: string): number | undefined {
  const exp = decodeJwtPayload(token)?.exp;
  return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
}

/** The RFC 6749 `error` code of an error body, when it is a plain code. */
function oauthErrorCode(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const code = (data as Record<string, unknown>).error;
  return typeof code === 'string' && /^[a-z_]{1,64}$/.test(code) ? code : undefined;
}

/**
 * Milliseconds until a 429 lifts, from Auth0's `x-ratelimit-reset` (UNIX seconds) or a standard
 * `Retry-After` (seconds or an HTTP date); null when the response does not say.
 */
export function rateLimitResetMs(
  headers: Record<string, unknown>,
  now = Date.now(),
): number | null {
  const reset = headerValue(headers['x-ratelimit-reset']);
  if (reset !== undefined && /^\d+(\.\d+)?$/.test(reset)) {
    return Math.max(0, Number(reset) * 1000 - now);
  }
  const retryAfter = headerValue(headers['retry-after']);
  if (retryAfter !== undefined) {
    if (/^\d+$/.test(retryAfter)) return Number(retryAfter) * 1000;
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  return null;
}

function headerValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number') return String(value);
  return undefined;
}
