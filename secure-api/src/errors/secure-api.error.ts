// The one error class of secure-api: a stable machine `code`, the HTTP status it maps to,
// and any headers the answer needs (WWW-Authenticate, Retry-After). The exception filter
// copies these onto the response; `reason` is for debug logs only and never leaves the process.

export type ErrorCode =
  | 'unauthorized'
  | 'invalid_request'
  | 'invalid_token'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'
  | 'insufficient_scope'
  | 'jwks_unavailable'
  | 'validation_failed'
  | 'customer_not_found'
  | 'not_found'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'uri_too_long'
  | 'unsupported_media_type'
  | 'forbidden'
  | 'too_many_requests'
  | 'service_unavailable'
  | 'client_error'
  | 'server_error'
  | 'config_invalid'
  | 'database_unavailable'
  | 'idempotency_key_reused'
  | 'internal_error';

export interface SecureApiErrorInit {
  status: number;
  headers?: Record<string, string>;
  /** Why, for the debug log: never a token, never a secret. */
  reason?: string;
  /** Per-field messages of a 400 validation_failed answer. */
  fields?: Record<string, string>;
  /** Seconds, for 503 answers (sets Retry-After). */
  retryAfterSeconds?: number;
}

export class SecureApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly reason: string | undefined;
  readonly fields: Readonly<Record<string, string>> | undefined;

  constructor(code: ErrorCode, message: string, init: SecureApiErrorInit) {
    super(message);
    this.name = 'SecureApiError';
    this.code = code;
    this.status = init.status;
    this.reason = init.reason;
    this.fields = init.fields;
    const headers: Record<string, string> = { ...init.headers };
    if (init.retryAfterSeconds !== undefined) {
      headers['retry-after'] = String(Math.max(1, Math.ceil(init.retryAfterSeconds)));
    }
    this.headers = headers;
  }
}
