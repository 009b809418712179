// Gets a machine-to-machine access token from Auth0 with the client-credentials grant.
// Every issued token counts against Auth0's monthly quota, so this retries only where a retry
// can help: once after a 5xx or a dropped connection (with jitter), once after a 429 when the
// advertised reset fits the invocation's budget; never after an RFC 6749 error (bad secret,
// unknown audience), which would fail the same way again. The response is checked before anyone
// uses or caches it.
import axios, { type AxiosResponse } from 'axios';
import type * as DeadlineModule from './deadline.private';
import type * as ErrorsModule from './errors.private';
import type * as TokenDiagnosisModule from './token-diagnosis.private';
import type * as Loader from './loader.private';

const { shared } = module.require(Runtime.getFunctions()['lib/loader']!.path) as typeof Loader;
const { FunctionError } = shared<typeof ErrorsModule>('lib/errors');
const { decodeJwtPayload } = shared<typeof TokenDiagnosisModule>('lib/token-diagnosis');

type Deadline = DeadlineModule.Deadline;
type FunctionError = ErrorsModule.FunctionError;

export interface ClientCredentials {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  audience: string;
}

export interface IssuedToken {
  accessToken: string;
  tokenType: 'Bearer' | 'DPoP';
  /** RFC 7638 thumbprint of the DPoP key configured when the token was requested; null: none. */
  boundKey: string | null;
  /** Epoch milliseconds. */
  expiresAt: number;
  /** Epoch milliseconds. */
  fetchedAt: number;
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

export class ClientCredentialsSource {
  constructor(
    private readonly credentials: ClientCredentials,
    private readonly note: (event: string) => void = () => undefined,
    private readonly random: () => number = Math.random,
  ) {}

  async fetch(deadline: Deadline, options: FetchOptions = {}): Promise<IssuedToken> {
    const reserveMs = options.reserveMs ?? deadline.reserve(DEFAULT_RESERVE_MS, 0.2);
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await this.attempt(deadline, reserveMs);
      if ('token' in outcome) return outcome.token;
      const { error, retryAfterMs } = outcome;
      const canRetry =
        retryAfterMs !== null &&
        attempt < MAX_ATTEMPTS &&
        deadline.fits(retryAfterMs + MIN_ATTEMPT_MS, reserveMs);
      if (!canRetry) throw error;
      this.note(error.code === 'TOKEN_RATE_LIMITED' ? 'token_rate_limit_wait' : 'token_retry');
      await deadline.sleep(retryAfterMs);
    }
  }

  /** The pause before retrying after a 5xx or a dropped connection, jittered so that
   * invocations failing together do not retry together. */
  private retryPauseMs(): number {
    return 50 + Math.floor(this.random() * 200);
  }

  /** One request. A failure says whether a retry is worth it (`retryAfterMs` not null). */
  private async attempt(
    deadline: Deadline,
    reserveMs: number,
  ): Promise<{ token: IssuedToken } | { error: FunctionError; retryAfterMs: number | null }> {
    const timeoutMs = deadline.timeoutFor('the token request', ATTEMPT_CAP_MS, reserveMs);
    const { tokenUrl, clientId, clientSecret, audience } = this.credentials;
    this.note('token_request');
    let response: AxiosResponse<unknown>;
    try {
      response = await axios.post<unknown>(
        tokenUrl,
        {
          grant_type: 'client_credentials',
          client_id: clientId,
          client_secret: clientSecret,
          audience,
        },
        {
          timeout: timeoutMs,
          validateStatus: () => true,
          maxRedirects: 0,
          maxContentLength: 64 * 1024,
          headers: { 'content-type': 'application/json', accept: 'application/json' },
        },
      );
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

  private interpret(
    response: AxiosResponse<unknown>,
  ): { token: IssuedToken } | { error: FunctionError; retryAfterMs: number | null } {
    const { status } = response;
    if (status === 200) {
      return { token: validateTokenResponse(response.data) };
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
    return {
      error: new FunctionError(
        'TOKEN_REQUEST_REJECTED',
        `Auth0 rejected the client-credentials request (${status}${oauthError ? ` ${oauthError}` : ''})`,
      ),
      retryAfterMs: null,
    };
  }
}

function invalidResponse(what: string): FunctionError {
  return new FunctionError('TOKEN_RESPONSE_INVALID', `Token endpoint response ${what}`);
}

/** Checks a 200 body of the token endpoint; throws TOKEN_RESPONSE_INVALID when unusable. */
export function validateTokenResponse(data: unknown, now = Date.now()): IssuedToken {
  if (typeof data !== 'object' || data === null) throw invalidResponse('is not a JSON object');
  const body = data as Record<string, unknown>;
  const accessToken = body.access_token;
  if (typeof accessToken !== 'string' || accessToken.length === 0) {
    throw invalidResponse('has no access_token');
  }
  if (accessToken.length > MAX_TOKEN_LENGTH || !/^[\x21-\x7e]+$/.test(accessToken)) {
    throw invalidResponse('has a malformed access_token');
  }
  if (typeof body.token_type !== 'string' || body.token_type.toLowerCase() !== 'bearer') {
    throw invalidResponse('has a token_type other than Bearer');
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
  return { accessToken, tokenType: 'Bearer', boundKey: null, expiresAt, fetchedAt: now };
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
