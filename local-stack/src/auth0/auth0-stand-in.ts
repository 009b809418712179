// An Auth0 tenant's machine-to-machine surface on loopback: POST /oauth/token
// (client_credentials with `audience`; client secret or Private Key JWT; DPoP-bound tokens
// under each API's sender-constraining policy), /.well-known/jwks.json and
// /.well-known/openid-configuration, with Auth0's token shape, status codes and error bodies.
//
// Why it is written here: no maintained package mirrors Auth0's machine-to-machine surface
// on Node 20 — oauth2-mock-server needs Node 22, and oidc-provider speaks RFC 8707
// `resource`, not Auth0's `audience`, and neither reproduces Auth0's error bodies. Keys and
// signatures come from `jose`; HTTP is plain node:http so the stand-in starts in
// milliseconds and adds no dependency.
import { SignJWT } from 'jose';
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { LocalStackError } from '../shared/local-stack-error';
import { isFromLoopback } from '../shared/loopback';
import { sendJson } from '../shared/json-response';
import { readControlJson } from '../shared/control-request';
import { answerSharedControlRoute } from '../shared/control-routes';
import { readBody } from '../shared/request-body';
import { listenOnLoopback, LOOPBACK_HOST } from '../shared/loopback-server';
import { defaultClient, DEFAULT_TOKEN_LIFETIME_SECONDS } from './auth0-defaults';
import { ClientAssertionChecker } from './client-assertion';
import { ClientRegistry, type RegisteredClient } from './client-registry';
import { DPOP_ALGORITHMS, DpopProofChecker } from './dpop-proof';
import { type Auth0Fault, FaultPlan, invalidFault } from './fault-plan';
import { KeyRing } from './key-ring';
import { OAuthError, oauthErrors } from './oauth-error';
import {
  DEFAULT_SENDER_CONSTRAINING,
  senderConstraining,
  type SenderConstraining,
} from './sender-constraining';
import { parseTokenRequest, type TokenRequest } from './token-request';
import {
  TokenRequestLog,
  type CapturedTokenRequest,
  type TokenRequestSummary,
} from './token-request-log';

export interface Auth0StandInOptions {
  port?: number;
  clients?: RegisteredClient[];
  tokenLifetimeSeconds?: number;
  /** How long a rotated-out key stays in the JWKS; default: the token lifetime at rotation. */
  rotationGraceSeconds?: number;
  enableControl?: boolean;
  log?: (line: string) => void;
  /**
   * DPoP sender constraining of the registered APIs: one policy for every API, or one per
   * audience (audiences not named get the default, `allowed`).
   */
  senderConstraining?: SenderConstraining | Record<string, SenderConstraining>;
  /** Demand the server's DPoP nonce at the token endpoint (RFC 9449 §8). */
  dpopNonce?: boolean;
}

export interface Auth0Counters {
  tokensIssued: number;
  tokenRequests: number;
  jwksRequests: number;
}

export interface Auth0StandIn {
  url: string;
  issuer: string;
  tokenUrl: string;
  jwksUri: string;
  counters(): Auth0Counters;
  resetCounters(): void;
  setTokenLifetime(seconds: number): void;
  rotateKeys(): Promise<{ kid: string }>;
  injectFault(f: Auth0Fault): void;
  clearFaults(): void;
  /** The last token requests, raw (bodies may hold credentials: keep them in the test). */
  tokenRequests(): CapturedTokenRequest[];
  /** The same requests without any credential value, as GET /__control/token-requests serves. */
  tokenRequestSummaries(): TokenRequestSummary[];
  /** The DPoP nonce proofs must carry now; undefined when nonces are off. */
  dpopNonce(): string | undefined;
  /** Issues a new DPoP nonce (proofs with the previous one then get use_dpop_nonce). */
  rotateDpopNonce(): string;
  close(): Promise<void>;
}

/** Auth0's maximum access-token lifetime: 30 days. */
const MAX_TOKEN_LIFETIME_SECONDS = 2_592_000;
/** The free tier's /oauth/token limit, reported in x-ratelimit-limit on a 429. */
const RATE_LIMIT = 30;
const MAX_BODY_BYTES = 64 * 1024;

export async function startAuth0StandIn(o: Auth0StandInOptions = {}): Promise<Auth0StandIn> {
  let lifetime = checkLifetime(o.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS);
  if (o.rotationGraceSeconds !== undefined && !(o.rotationGraceSeconds >= 0)) {
    throw new LocalStackError('INVALID_OPTION', 'rotationGraceSeconds must be a number >= 0');
  }
  const registry = new ClientRegistry(o.clients ?? [defaultClient()]);
  const policyOf = policies(o.senderConstraining);
  const keys = await KeyRing.create();
  const faults = new FaultPlan();
  const counters: Auth0Counters = { tokensIssued: 0, tokenRequests: 0, jwksRequests: 0 };
  const requestLog = new TokenRequestLog();
  let issuer = '';
  const tokenUrl = (): string => `${issuer}oauth/token`;
  const assertions = new ClientAssertionChecker(() => issuer, tokenUrl);
  const proofs = new DpopProofChecker({ tokenUrl, nonces: o.dpopNonce === true });

  const api = {
    counters: (): Auth0Counters => ({ ...counters }),
    resetCounters(): void {
      counters.tokensIssued = 0;
      counters.tokenRequests = 0;
      counters.jwksRequests = 0;
    },
    setTokenLifetime(seconds: number): void {
      lifetime = checkLifetime(seconds);
    },
    rotateKeys: (): Promise<{ kid: string }> => keys.rotate(o.rotationGraceSeconds ?? lifetime),
    injectFault(f: Auth0Fault): void {
      const problem = invalidFault(f);
      if (problem) throw new LocalStackError('INVALID_OPTION', `Invalid fault: ${problem}`);
      faults.add(f);
    },
    clearFaults: (): void => faults.clear(),
    tokenRequests: (): CapturedTokenRequest[] => requestLog.all(),
    tokenRequestSummaries: (): TokenRequestSummary[] => requestLog.summaries(),
    dpopNonce: (): string | undefined => proofs.nonce,
    rotateDpopNonce: (): string => proofs.rotateNonce(),
  };

  async function authenticateClient(request: TokenRequest) {
    if (request.clientAssertion !== undefined) {
      const client = registry.find(request.clientId);
      if (!client) throw oauthErrors.unauthorized(false);
      const result = await assertions.check(
        client.clientId,
        client.credentials,
        request.clientAssertion,
      );
      if (!result.ok) throw oauthErrors.assertionRefused(result.reason);
      return client;
    }
    const client =
      request.clientSecret === undefined
        ? undefined
        : registry.authenticate(request.clientId, request.clientSecret);
    if (!client) throw oauthErrors.unauthorized(request.basic);
    return client;
  }

  /** The thumbprint the token is bound to, or undefined for a Bearer token. */
  async function boundKey(req: IncomingMessage, audience: string): Promise<string | undefined> {
    const policy = policyOf(audience);
    if (policy === 'none') return undefined; // Auth0 ignores the header under `none`.
    const values = req.headersDistinct.dpop ?? [];
    if (values.length === 0) {
      if (policy === 'required') throw oauthErrors.dpopRequired();
      return undefined;
    }
    const checked = await proofs.check(values);
    if (checked instanceof OAuthError) throw checked;
    return checked.jkt;
  }

  async function issueToken(
    req: IncomingMessage,
    res: ServerResponse,
    request: TokenRequest,
  ): Promise<void> {
    const client = await authenticateClient(request);
    const audience = request.audience;
    if (audience === undefined) throw oauthErrors.noAudience();
    if (!registry.hasAudience(audience)) throw oauthErrors.serviceNotFound(audience);
    const granted = client.grants[audience];
    if (!granted) throw oauthErrors.notAuthorizedForAudience(audience);
    let scopes = granted;
    if (request.scope !== undefined) {
      const requested = request.scope.split(' ').filter((s) => s !== '');
      const missing = requested.filter((s) => !granted.includes(s));
      if (missing.length > 0) throw oauthErrors.scopesNotGranted(missing);
      scopes = requested;
    }
    const scope = scopes.join(' ');
    const jkt = await boundKey(req, audience);
    const iat = Math.floor(Date.now() / 1000);
    const signing = keys.signingKey();
    // Claims in the order Auth0 writes them; `scope` is absent when nothing was granted.
    const accessToken = await new SignJWT({
      iss: issuer,
      sub: `${client.clientId}@clients`,
      aud: audience,
      iat,
      exp: iat + lifetime,
      ...(scope ? { scope } : {}),
      gty: 'client-credentials',
      azp: client.clientId,
      // RFC 9449 §6.1: the confirmation claim binding the token to the proof's key.
      ...(jkt === undefined ? {} : { cnf: { jkt } }),
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: signing.kid })
      .sign(signing.privateKey);
    counters.tokensIssued += 1;
    sendJson(
      res,
      200,
      {
        access_token: accessToken,
        ...(scope ? { scope } : {}),
        expires_in: lifetime,
        token_type: jkt === undefined ? 'Bearer' : 'DPoP',
      },
      NO_STORE,
    );
  }

  async function tokenRoute(req: IncomingMessage, res: ServerResponse): Promise<void> {
    counters.tokenRequests += 1;
    if (applyFault(faults.take('token'), res)) return;
    try {
      if (req.method !== 'POST') throw oauthErrors.methodNotAllowed();
      const read = await readBody(req, MAX_BODY_BYTES);
      if (!read.ok) throw oauthErrors.malformedBody();
      requestLog.record(req, read.body);
      const request = parseTokenRequest(req, read.body);
      if (request instanceof OAuthError) throw request;
      await issueToken(req, res, request);
    } catch (err) {
      if (!(err instanceof OAuthError)) throw err;
      sendJson(res, err.status, err.body(), { ...NO_STORE, ...err.headers });
    }
  }

  function jwksRoute(res: ServerResponse): void {
    counters.jwksRequests += 1;
    if (applyFault(faults.take('jwks'), res)) return;
    sendJson(res, 200, keys.jwks());
  }

  function discoveryRoute(res: ServerResponse): void {
    sendJson(res, 200, {
      issuer,
      authorization_endpoint: `${issuer}authorize`,
      token_endpoint: `${issuer}oauth/token`,
      jwks_uri: `${issuer}.well-known/jwks.json`,
      response_types_supported: ['code', 'token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['HS256', 'RS256'],
      token_endpoint_auth_methods_supported: [
        'client_secret_basic',
        'client_secret_post',
        'private_key_jwt',
      ],
      token_endpoint_auth_signing_alg_values_supported: ['RS256', 'RS384', 'PS256'],
      grant_types_supported: ['client_credentials'],
      dpop_signing_alg_values_supported: [...DPOP_ALGORITHMS],
    });
  }

  async function controlRoute(req: IncomingMessage, res: ServerResponse, path: string) {
    const route = `${req.method ?? 'GET'} ${path}`;
    if (answerSharedControlRoute(route, res, api)) return;
    if (route === 'POST /__control/rotate') return sendJson(res, 200, await api.rotateKeys());
    if (route === 'GET /__control/token-requests') {
      return sendJson(res, 200, { requests: requestLog.summaries() });
    }
    if (route === 'DELETE /__control/token-requests') {
      requestLog.clear();
      return sendJson(res, 200, { cleared: true });
    }
    if (route === 'POST /__control/dpop-nonce') {
      // The new nonce is not a secret: the token endpoint hands it to any caller.
      return sendJson(res, 200, { nonce: api.rotateDpopNonce() });
    }
    if (route === 'PUT /__control/faults') {
      // Replaces the whole queue in one step, so no request slips between a clear and a queue.
      const list = (await readControlJson(req)) as { faults?: unknown } | undefined;
      if (!Array.isArray(list?.faults)) return controlError(res, 'body must be { faults: [...] }');
      const problem = list.faults.map((f: unknown) => invalidFault(f)).find(Boolean);
      if (problem) return controlError(res, problem);
      faults.clear();
      for (const fault of list.faults) faults.add(fault as Auth0Fault);
      return sendJson(res, 200, { faults: list.faults.length });
    }
    if (route === 'POST /__control/faults' || route === 'POST /__control/token-lifetime') {
      const body = await readControlJson(req);
      if (route === 'POST /__control/faults') {
        const problem = body === undefined ? 'body must be JSON' : invalidFault(body);
        if (problem) return controlError(res, problem);
        faults.add(body as Auth0Fault);
        return sendJson(res, 200, { injected: body });
      }
      const seconds = (body as { seconds?: unknown } | undefined)?.seconds;
      if (!isLifetime(seconds)) {
        return controlError(
          res,
          `seconds must be an integer from 1 to ${MAX_TOKEN_LIFETIME_SECONDS}`,
        );
      }
      lifetime = seconds;
      return sendJson(res, 200, { seconds });
    }
    return sendJson(res, 404, { error: 'not_found', error_description: 'Unknown control route' });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/oauth/token') return tokenRoute(req, res);
    if (req.method === 'GET' && path === '/.well-known/jwks.json') return jwksRoute(res);
    if (req.method === 'GET' && path === '/.well-known/openid-configuration') {
      return discoveryRoute(res);
    }
    if (path.startsWith('/__control/') && o.enableControl) {
      if (!isFromLoopback(req)) {
        return sendJson(res, 403, { error: 'forbidden', error_description: 'Loopback only' });
      }
      return controlRoute(req, res, path);
    }
    sendJson(res, 404, { error: 'not_found', error_description: 'Not found' });
  }

  const server = await listenOnLoopback(
    o.port ?? 0,
    handle,
    (_req, res) => sendJson(res, 500, oauthErrors.serverError().body()),
    o.log,
  );
  const url = `http://${LOOPBACK_HOST}:${server.port}/`;
  issuer = url;
  return {
    url,
    issuer: url,
    tokenUrl: `${url}oauth/token`,
    jwksUri: `${url}.well-known/jwks.json`,
    ...api,
    close: () => server.close(),
  };
}

const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

/** The policy of each audience, from the option (checked here: it may come from JSON). */
function policies(
  option: Auth0StandInOptions['senderConstraining'],
): (audience: string) => SenderConstraining {
  if (option === undefined) return () => DEFAULT_SENDER_CONSTRAINING;
  if (typeof option === 'string') {
    const policy = senderConstraining(option, 'senderConstraining');
    return () => policy;
  }
  const byAudience = new Map(
    Object.entries(option).map(([audience, p]) => [
      audience,
      senderConstraining(p, `senderConstraining of ${audience}`),
    ]),
  );
  return (audience) => byAudience.get(audience) ?? DEFAULT_SENDER_CONSTRAINING;
}

/** Answers a faulted request; true when the request is dealt with. */
function applyFault(fault: Auth0Fault | undefined, res: ServerResponse): boolean {
  if (!fault) return false;
  if (fault.kind === 'hang') return true; // never answered; close() destroys the socket
  const err =
    fault.kind === 'rate-limit'
      ? oauthErrors.rateLimited(
          RATE_LIMIT,
          Math.ceil(Date.now() / 1000 + (fault.resetAfterSeconds ?? 1)),
        )
      : oauthErrors.serverError();
  sendJson(res, err.status, err.body(), err.headers);
  return true;
}

function isLifetime(seconds: unknown): seconds is number {
  return (
    typeof seconds === 'number' &&
    Number.isInteger(seconds) &&
    seconds >= 1 &&
    seconds <= MAX_TOKEN_LIFETIME_SECONDS
  );
}

function checkLifetime(seconds: number): number {
  if (!isLifetime(seconds)) {
    throw new LocalStackError(
      'INVALID_OPTION',
      `tokenLifetimeSeconds must be an integer from 1 to ${MAX_TOKEN_LIFETIME_SECONDS}`,
    );
  }
  return seconds;
}

function controlError(res: ServerResponse, message: string): void {
  sendJson(res, 400, { error: 'invalid_request', error_description: message });
}
