// The token endpoint's refusals, each with the status and `{error, error_description}` body
// Auth0 answers with. Where a body was recorded from a live tenant the source is named at the
// factory; where Auth0's docs are silent the status and error follow RFC 6749 §5.2.
import { LocalStackError } from '../shared/local-stack-error';

export interface OAuthErrorBody {
  error: string;
  error_description: string;
}

export class OAuthError extends LocalStackError {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
    readonly headers: Record<string, string> = {},
  ) {
    super('REQUEST_REFUSED', description);
  }

  body(): OAuthErrorBody {
    return { error: this.error, error_description: this.description };
  }
}

export const oauthErrors = {
  // RFC 6749 §5.2 invalid_request: missing parameter, malformed body, two auth methods.
  malformedBody: () => new OAuthError(400, 'invalid_request', 'Invalid request body'),
  missingParameter: (name: string) =>
    new OAuthError(400, 'invalid_request', `Missing required parameter: ${name}`),
  unsupportedGrantType: (grantType: string) =>
    new OAuthError(400, 'unsupported_grant_type', `Unsupported grant type: ${grantType}`),
  twoAuthMethods: () =>
    new OAuthError(
      400,
      'invalid_request',
      'Only one client authentication method may be used per request',
    ),
  /**
   * Unknown client, wrong or missing secret: Auth0 does not say which (auth0/node-auth0
   * issue #682: `{"error":"access_denied","error_description":"Unauthorized"}`, 401).
   */
  unauthorized: (basic: boolean) =>
    new OAuthError(
      401,
      'access_denied',
      'Unauthorized',
      // RFC 6749 §5.2: a client that authenticated with the Authorization header gets a
      // WWW-Authenticate challenge for the same scheme.
      basic ? { 'WWW-Authenticate': 'Basic realm="oauth/token"' } : {},
    ),
  // RFC 7523 §2.2: the only assertion type defined for client authentication.
  badAssertionType: () =>
    new OAuthError(
      400,
      'invalid_request',
      'client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    ),
  /**
   * A Private Key JWT assertion that fails a check: the same 401 `access_denied` as a wrong
   * secret (a failed client authentication); the description names the check that failed.
   */
  assertionRefused: (reason: string) =>
    new OAuthError(401, 'access_denied', `Invalid client assertion: ${reason}`),
  // RFC 9449 §5: a proof that fails a check of §4.3.
  invalidDpopProof: (description: string) => new OAuthError(400, 'invalid_dpop_proof', description),
  // The API's sender-constraining policy is `required` and the request carries no proof.
  dpopRequired: () =>
    new OAuthError(400, 'invalid_request', 'A DPoP proof is required for this API'),
  // RFC 9449 §8: the body of the RFC's example, with the nonce to use in the DPoP-Nonce header.
  useDpopNonce: (nonce: string) =>
    new OAuthError(400, 'use_dpop_nonce', 'Authorization server requires nonce in DPoP proof', {
      'DPoP-Nonce': nonce,
    }),
  noAudience: () =>
    new OAuthError(
      403,
      'access_denied',
      'No audience parameter was provided, and no default audience has been configured',
    ),
  // facts.md and auth0 issues (e.g. aws-samples/ask-around-me #2): "Service not found: <aud>".
  serviceNotFound: (audience: string) =>
    new OAuthError(403, 'access_denied', `Service not found: ${audience}`),
  // auth0/auth0-python issue #173 records this 403 body word for word.
  notAuthorizedForAudience: (audience: string) =>
    new OAuthError(
      403,
      'access_denied',
      `Client is not authorized to access "${audience}". You might probably want to create a "client-grant" associated to this API. See: https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants`,
    ),
  scopesNotGranted: (scopes: string[]) =>
    new OAuthError(403, 'access_denied', `Client has not been granted scopes: ${scopes.join(' ')}`),
  // Auth0's rate-limit answer: 429 too_many_requests with the x-ratelimit-* headers
  // (reset in UNIX seconds), see facts.md.
  rateLimited: (limit: number, resetEpochSeconds: number) =>
    new OAuthError(429, 'too_many_requests', 'Global limit has been reached', {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': String(resetEpochSeconds),
    }),
  serverError: () => new OAuthError(500, 'server_error', 'Internal server error'),
  methodNotAllowed: () => new OAuthError(405, 'invalid_request', 'Method not allowed'),
};
