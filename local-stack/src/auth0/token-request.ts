// Reads a client-credentials request off the wire: JSON or form body (Auth0 accepts both),
// client authentication by client_secret_post (id and secret in the body),
// client_secret_basic (RFC 6749 §2.3.1 Authorization header) or private_key_jwt (RFC 7523
// client_assertion). Refusals are OAuthErrors.
import { type IncomingMessage } from 'node:http';
import { mediaType } from '../shared/request-body';
import { CLIENT_ASSERTION_TYPE, claimedClientId } from './client-assertion';
import { type OAuthError, oauthErrors } from './oauth-error';

export interface TokenRequest {
  grantType: string;
  clientId: string;
  clientSecret: string | undefined;
  /** A Private Key JWT assertion (client_assertion), checked against the client's keys. */
  clientAssertion: string | undefined;
  audience: string | undefined;
  scope: string | undefined;
  /** Whether the client authenticated with the Authorization header. */
  basic: boolean;
}

type Params = Record<string, unknown>;

export function parseTokenRequest(req: IncomingMessage, body: Buffer): TokenRequest | OAuthError {
  const params = parseParams(mediaType(req), body.toString('utf8'));
  if (!params) return oauthErrors.malformedBody();

  const grantType = stringParam(params, 'grant_type');
  if (grantType === undefined) return oauthErrors.missingParameter('grant_type');
  if (grantType !== 'client_credentials') return oauthErrors.unsupportedGrantType(grantType);

  const header = req.headers.authorization;
  const basicAuth = header !== undefined && /^basic /i.test(header);
  let clientId = stringParam(params, 'client_id');
  let clientSecret = stringParam(params, 'client_secret');
  if (basicAuth) {
    if (clientSecret !== undefined) return oauthErrors.twoAuthMethods();
    const credentials = decodeBasic(header);
    if (!credentials) return oauthErrors.unauthorized(true);
    if (clientId !== undefined && clientId !== credentials.id)
      return oauthErrors.unauthorized(true);
    clientId = credentials.id;
    clientSecret = credentials.secret;
  }
  const clientAssertion = stringParam(params, 'client_assertion');
  const assertionType = stringParam(params, 'client_assertion_type');
  if (clientAssertion !== undefined || assertionType !== undefined) {
    if (clientSecret !== undefined) return oauthErrors.twoAuthMethods();
    if (clientAssertion === undefined) return oauthErrors.missingParameter('client_assertion');
    if (assertionType !== CLIENT_ASSERTION_TYPE) return oauthErrors.badAssertionType();
    // RFC 7523 §3: client_id is optional beside an assertion; when sent it must be its iss.
    const claimed = claimedClientId(clientAssertion);
    if (claimed === undefined) return oauthErrors.unauthorized(false);
    if (clientId !== undefined && clientId !== claimed) return oauthErrors.unauthorized(false);
    clientId = claimed;
  }
  if (clientId === undefined) return oauthErrors.missingParameter('client_id');

  return {
    grantType,
    clientId,
    clientSecret,
    clientAssertion,
    audience: stringParam(params, 'audience'),
    scope: stringParam(params, 'scope'),
    basic: basicAuth,
  };
}

function parseParams(type: string, text: string): Params | undefined {
  if (type === 'application/json') {
    try {
      const parsed: unknown = JSON.parse(text);
      return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
        ? (parsed as Params)
        : undefined;
    } catch {
      return undefined;
    }
  }
  if (type === 'application/x-www-form-urlencoded' || (type === '' && text === '')) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  return undefined;
}

function stringParam(params: Params, name: string): string | undefined {
  const value = params[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function decodeBasic(header: string): { id: string; secret: string } | undefined {
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) return undefined;
  try {
    // RFC 6749 §2.3.1: id and secret are form-urlencoded before being joined.
    const unform = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    return { id: unform(decoded.slice(0, colon)), secret: unform(decoded.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}
