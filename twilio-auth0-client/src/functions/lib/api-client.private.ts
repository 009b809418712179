// HTTP calls to secure-api with the access token and a per-call timeout from the invocation's
// deadline. A Bearer token goes as `Authorization: Bearer`; a DPoP-bound token as
// `Authorization: DPoP` with a fresh proof per request (RFC 9449 §7), and a 401
// `use_dpop_nonce` gets one more request with the API's nonce, which is kept in warm memory per
// API origin for the following calls. Retries are few and bounded: one after a 5xx, a timeout or
// a dropped connection on a request that is safe to repeat (a GET, or a POST carrying an
// Idempotency-Key: the API stores it once however often it arrives), one after a 503
// `jwks_unavailable` (the API could not check the token: nothing was done). A 401
// `invalid_token` is reported to the caller, which decides whether to get another token; other
// statuses go back as they are, for the function to map to its own answer.
import axios, { type AxiosResponse } from 'axios';
import type * as DeadlineModule from './deadline.private';
import type * as DpopKeyModule from './dpop-key.private';
import type * as ErrorsModule from './errors.private';
import type { TokenType } from './sync-token-store.private';
import type * as Loader from './loader.private';

const { shared } = module.require(Runtime.getFunctions()['lib/loader']!.path) as typeof Loader;
const { FunctionError } = shared<typeof ErrorsModule>('lib/errors');

type Deadline = DeadlineModule.Deadline;
type FunctionError = ErrorsModule.FunctionError;

export interface ApiRequest {
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string>;
  body?: object;
  /**
   * Sent as `Idempotency-Key` (draft-ietf-httpapi-idempotency-key-header); makes the request
   * safe to repeat, so it is retried like a GET. Every retry sends the same body.
   */
  idempotencyKey?: string;
}

export interface ApiResponse {
  status: number;
  body: unknown;
  latencyMs: number;
  /** Set when the call was made with a DPoP token: whether the API asked for a nonce this time. */
  dpop?: { nonceRequested: boolean };
  /**
   * The API's `Idempotent-Replayed` header, when a key was sent: true when this is the stored
   * answer of an earlier request with the same key.
   */
  replayed?: boolean;
}

/** The token an API call is made with, and the scheme it is sent under. */
export interface ApiToken {
  accessToken: string;
  tokenType: TokenType;
}

/**
 * A call's outcome: an answer, the token rejected (401 `invalid_token`), or the token refused
 * for a missing scope (403 `insufficient_scope`, RFC 6750 §3.1), with the error to report.
 */
export type ApiOutcome =
  | { kind: 'response'; response: ApiResponse }
  | { kind: 'token_rejected'; latencyMs: number }
  | { kind: 'scope_refused'; error: FunctionError };

const CALL_CAP_MS = 4000;
const MAX_ATTEMPTS = 2;

/** The latest `DPoP-Nonce` of each API origin (RFC 9449 §9), kept across warm invocations. */
const apiNonces = new Map<string, string>();

type AttemptResult =
  | { response: AxiosResponse<unknown> }
  | { error: FunctionError; reason: string }
  | { nonceRequested: true };

export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly recordEvent: (event: string) => void = () => undefined,
    private readonly random: () => number = Math.random,
    /** The DPoP key that signs a proof for each call made with a DPoP token. */
    private readonly dpopKey?: DpopKeyModule.DpopKey,
  ) {}

  async send(request: ApiRequest, token: ApiToken, deadline: Deadline): Promise<ApiOutcome> {
    const startedAt = Date.now();
    let nonceRequested = false;
    for (let attempt = 1; ; attempt += 1) {
      const result = await this.attempt(request, token, deadline);
      const latencyMs = Date.now() - startedAt;
      if ('nonceRequested' in result) {
        // New information, not a failure: one more request, not counted as a retry, and only once.
        if (!nonceRequested) {
          nonceRequested = true;
          attempt -= 1;
          this.recordEvent('api_dpop_nonce_retry');
          continue;
        }
        throw new FunctionError('API_UNAUTHORIZED', 'API asked for a DPoP nonce again');
      }
      if ('response' in result) {
        const { response } = result;
        if (response.status === 401 && isInvalidToken(response)) {
          return { kind: 'token_rejected', latencyMs };
        }
        if (response.status === 403 && isInsufficientScope(response)) {
          const error = new FunctionError('API_FORBIDDEN', 'API answered 403 insufficient_scope');
          return { kind: 'scope_refused', error };
        }
        const failure = upstreamFailure(response);
        if (!failure) {
          const answered: ApiResponse = { status: response.status, body: response.data, latencyMs };
          if (token.tokenType === 'DPoP') answered.dpop = { nonceRequested };
          const replayed = replayedHeader(response);
          if (replayed !== undefined) answered.replayed = replayed;
          return { kind: 'response', response: answered };
        }
        const retryable =
          apiErrorCode(response.data) === 'jwks_unavailable' ||
          (isRepeatable(request) && response.status >= 500);
        if (!retryable || !(await this.pauseBeforeRetry(attempt, deadline))) throw failure;
      } else {
        const retryable = isRepeatable(request) || result.reason === 'ECONNREFUSED';
        if (!retryable || !(await this.pauseBeforeRetry(attempt, deadline))) throw result.error;
      }
    }
  }

  private async pauseBeforeRetry(attempt: number, deadline: Deadline): Promise<boolean> {
    const pause = 50 + Math.floor(this.random() * 200);
    if (attempt >= MAX_ATTEMPTS || !deadline.fits(pause + 300)) return false;
    this.recordEvent('api_retry');
    await deadline.sleep(pause);
    return true;
  }

  private async attempt(
    request: ApiRequest,
    token: ApiToken,
    deadline: Deadline,
  ): Promise<AttemptResult> {
    const timeoutMs = deadline.timeoutFor('the API call', CALL_CAP_MS);
    const url = `${this.baseUrl}${request.path}`;
    const headers = this.authorization(request.method, url, token);
    try {
      const response = await axios.request<unknown>({
        method: request.method,
        url,
        params: request.query,
        data: request.body,
        timeout: timeoutMs,
        validateStatus: () => true,
        maxRedirects: 0,
        maxContentLength: 256 * 1024,
        headers: { ...headers, ...idempotencyHeader(request), accept: 'application/json' },
      });
      if (token.tokenType === 'DPoP' && this.keepNonce(url, response)) {
        return { nonceRequested: true };
      }
      return { response };
    } catch (error) {
      // Never rethrow or log the axios error itself: its config holds the bearer token.
      const reason = axios.isAxiosError(error) ? (error.code ?? 'network error') : 'network error';
      const timedOut = reason === 'ECONNABORTED' || reason === 'ETIMEDOUT';
      const message = timedOut
        ? `API timed out after ${timeoutMs} ms`
        : `API unreachable (${reason})`;
      return { error: new FunctionError('API_UNAVAILABLE', message), reason };
    }
  }

  /** The credentials of one request: a Bearer token, or a DPoP token with a new proof. */
  private authorization(method: string, url: string, token: ApiToken): Record<string, string> {
    if (token.tokenType === 'Bearer') return { authorization: `Bearer ${token.accessToken}` };
    // The token cache never hands out a DPoP record without the key it is bound to.
    if (!this.dpopKey) throw new FunctionError('INTERNAL_ERROR', 'DPoP token without a DPoP key');
    const nonce = apiNonces.get(new URL(url).origin);
    const proof = this.dpopKey.proof(method, url, {
      accessToken: token.accessToken,
      ...(nonce === undefined ? {} : { nonce }),
    });
    return { authorization: `DPoP ${token.accessToken}`, dpop: proof };
  }

  /**
   * Keeps the API's `DPoP-Nonce` for its origin (an API with nonces sends the current one on its
   * answers) and says whether the answer was a request to retry with it.
   */
  private keepNonce(url: string, response: AxiosResponse<unknown>): boolean {
    const nonce: unknown = response.headers['dpop-nonce'];
    if (typeof nonce !== 'string' || !/^[\x21-\x7e]{1,512}$/.test(nonce)) return false;
    apiNonces.set(new URL(url).origin, nonce);
    return response.status === 401 && isNonceChallenge(response.headers['www-authenticate']);
  }
}

/** Whether sending the request twice does no more than sending it once. */
function isRepeatable(request: ApiRequest): boolean {
  return request.method === 'GET' || request.idempotencyKey !== undefined;
}

/**
 * The key as the draft's RFC 8941 sf-string: quoted, with `"` and `\` escaped (the only two
 * characters a visible-ASCII key needs escaped, so no structured-fields library for this).
 */
function idempotencyHeader(request: ApiRequest): Record<string, string> {
  if (request.idempotencyKey === undefined) return {};
  return { 'idempotency-key': `"${request.idempotencyKey.replace(/["\\]/g, '\\$&')}"` };
}

function replayedHeader(response: AxiosResponse<unknown>): boolean | undefined {
  const value: unknown = response.headers['idempotent-replayed'];
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

/** A 401 challenge `DPoP ... error="use_dpop_nonce"` (RFC 9449 §9). */
function isNonceChallenge(challenge: unknown): boolean {
  const text = Array.isArray(challenge) ? challenge.join(', ') : challenge;
  return typeof text === 'string' && /\bDPoP\b[^]*error="use_dpop_nonce"/i.test(text);
}

/** The API's stable error code (`{ statusCode, error, message }`), when it sent one. */
export function apiErrorCode(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const code = (body as Record<string, unknown>).error;
  return typeof code === 'string' && /^[a-z_]{1,64}$/.test(code) ? code : undefined;
}

/** The API's short message, when it is a plain string (never echoed beyond 200 characters). */
export function apiMessage(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const message = (body as Record<string, unknown>).message;
  if (typeof message === 'string') return message.slice(0, 200);
  if (Array.isArray(message)) {
    const parts: unknown[] = message;
    return parts
      .filter((m): m is string => typeof m === 'string')
      .join('; ')
      .slice(0, 200);
  }
  return undefined;
}

function isInvalidToken(response: AxiosResponse<unknown>): boolean {
  const challenge: unknown = response.headers['www-authenticate'];
  if (typeof challenge === 'string' && /error="invalid_token"/.test(challenge)) return true;
  return apiErrorCode(response.data) === 'invalid_token';
}

/** A 403 `insufficient_scope` (RFC 6750 §3.1), in the body's error code or the challenge. */
function isInsufficientScope(response: AxiosResponse<unknown>): boolean {
  if (apiErrorCode(response.data) === 'insufficient_scope') return true;
  const challenge: unknown = response.headers['www-authenticate'];
  const text = Array.isArray(challenge) ? challenge.join(', ') : challenge;
  return typeof text === 'string' && /error="insufficient_scope"/.test(text);
}

/** The error for statuses that are the API's or the link's trouble rather than an answer. */
function upstreamFailure(response: AxiosResponse<unknown>): FunctionError | null {
  const { status } = response;
  const code = apiErrorCode(response.data);
  const suffix = code ? ` ${code}` : '';
  if (status === 401) return new FunctionError('API_UNAUTHORIZED', `API answered 401${suffix}`);
  if (status === 403) return new FunctionError('API_FORBIDDEN', `API answered 403${suffix}`);
  if (status === 502 || status === 503 || status === 504) {
    return new FunctionError('API_UNAVAILABLE', `API answered ${status}${suffix}`);
  }
  if (status >= 500) return new FunctionError('API_ERROR', `API answered ${status}${suffix}`);
  return null;
}
