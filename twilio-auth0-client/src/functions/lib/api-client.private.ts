// HTTP calls to secure-api with a bearer token and a per-call timeout from the invocation's
// deadline. Retries are few and bounded: one after a 5xx or a dropped connection on a GET, one
// after a 503 `jwks_unavailable` (the API could not check the token: nothing was done). A 401
// `invalid_token` is reported to the caller, which decides whether to get another token; other
// statuses go back as they are, for the function to map to its own answer.
import axios, { type AxiosResponse } from 'axios';
import type * as DeadlineModule from './deadline.private';
import type * as ErrorsModule from './errors.private';
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
}

export interface ApiResponse {
  status: number;
  body: unknown;
  latencyMs: number;
}

export type ApiOutcome =
  { kind: 'response'; response: ApiResponse } | { kind: 'token_rejected'; latencyMs: number };

const CALL_CAP_MS = 4000;
const MAX_ATTEMPTS = 2;

export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly note: (event: string) => void = () => undefined,
    private readonly random: () => number = Math.random,
  ) {}

  async send(
    request: ApiRequest,
    token: { accessToken: string; tokenType: 'Bearer' | 'DPoP' },
    deadline: Deadline,
  ): Promise<ApiOutcome> {
    const { accessToken } = token;
    const startedAt = Date.now();
    for (let attempt = 1; ; attempt += 1) {
      const result = await this.attempt(request, accessToken, deadline);
      const latencyMs = Date.now() - startedAt;
      if ('response' in result) {
        const { response } = result;
        if (response.status === 401 && isInvalidToken(response)) {
          return { kind: 'token_rejected', latencyMs };
        }
        const failure = upstreamFailure(response);
        if (!failure) {
          return {
            kind: 'response',
            response: { status: response.status, body: response.data, latencyMs },
          };
        }
        const retryable =
          apiErrorCode(response.data) === 'jwks_unavailable' ||
          (request.method === 'GET' && response.status >= 500);
        if (!retryable || !(await this.pauseBeforeRetry(attempt, deadline))) throw failure;
      } else {
        const retryable = request.method === 'GET' || result.reason === 'ECONNREFUSED';
        if (!retryable || !(await this.pauseBeforeRetry(attempt, deadline))) throw result.error;
      }
    }
  }

  private async pauseBeforeRetry(attempt: number, deadline: Deadline): Promise<boolean> {
    const pause = 50 + Math.floor(this.random() * 200);
    if (attempt >= MAX_ATTEMPTS || !deadline.fits(pause + 300)) return false;
    this.note('api_retry');
    await deadline.sleep(pause);
    return true;
  }

  private async attempt(
    request: ApiRequest,
    accessToken: string,
    deadline: Deadline,
  ): Promise<{ response: AxiosResponse<unknown> } | { error: FunctionError; reason: string }> {
    const timeoutMs = deadline.timeoutFor('the API call', CALL_CAP_MS);
    try {
      const response = await axios.request<unknown>({
        method: request.method,
        url: `${this.baseUrl}${request.path}`,
        params: request.query,
        data: request.body,
        timeout: timeoutMs,
        validateStatus: () => true,
        maxRedirects: 0,
        maxContentLength: 256 * 1024,
        headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
      });
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
