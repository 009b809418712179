// The one error class of this service. Every failure a function can answer with is a
// FunctionError carrying a stable `code` (what Studio flows and scripts switch on) and the HTTP
// status it maps to. Messages are short, name the problem, and never carry a token, the client
// secret or the Twilio auth token.

export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'BAD_REQUEST'
  | 'SIGNATURE_INVALID'
  | 'NOT_FOUND'
  | 'TOKEN_REQUEST_REJECTED'
  | 'TOKEN_RATE_LIMITED'
  | 'TOKEN_ENDPOINT_UNAVAILABLE'
  | 'TOKEN_RESPONSE_INVALID'
  | 'API_UNAUTHORIZED'
  | 'API_FORBIDDEN'
  | 'API_UNAVAILABLE'
  | 'API_ERROR'
  | 'DEADLINE_EXCEEDED'
  | 'INTERNAL_ERROR';

const STATUS_BY_CODE: Record<ErrorCode, number> = {
  CONFIG_INVALID: 500,
  BAD_REQUEST: 400,
  SIGNATURE_INVALID: 403,
  NOT_FOUND: 404,
  TOKEN_REQUEST_REJECTED: 502,
  TOKEN_RATE_LIMITED: 503,
  TOKEN_ENDPOINT_UNAVAILABLE: 503,
  TOKEN_RESPONSE_INVALID: 502,
  API_UNAUTHORIZED: 502,
  API_FORBIDDEN: 502,
  API_UNAVAILABLE: 503,
  API_ERROR: 502,
  DEADLINE_EXCEEDED: 504,
  INTERNAL_ERROR: 500,
};

export interface FunctionErrorOptions {
  /** Overrides the status the code maps to (e.g. a 404 from the API passed on as 404). */
  status?: number;
  /** Extra, non-secret detail for the response body (e.g. the invalid field's name). */
  details?: Record<string, string>;
}

export class FunctionError extends Error {
  override readonly name = 'FunctionError';
  readonly status: number;
  readonly details: Record<string, string> | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: FunctionErrorOptions = {},
  ) {
    super(message);
    this.status = options.status ?? STATUS_BY_CODE[code];
    this.details = options.details;
  }
}

/** The answer while no token is fetched because the API rejects fresh ones (until `until`). */
export function apiRejectsFreshTokens(until: number, now = Date.now()): FunctionError {
  const seconds = Math.max(1, Math.ceil((until - now) / 1000));
  return new FunctionError(
    'API_UNAUTHORIZED',
    `API rejects tokens fetched just now: no new token for ${seconds} s`,
    { details: { coolDownEndsAt: new Date(until).toISOString() } },
  );
}

/** Any thrown value as a FunctionError; unknown errors become a generic INTERNAL_ERROR. */
export function asFunctionError(error: unknown): FunctionError {
  if (error instanceof FunctionError) return error;
  return new FunctionError('INTERNAL_ERROR', 'Unexpected internal error');
}
