// A token endpoint for the tests of DPoP and Private Key JWT on the function side. It checks what
// the functions send with `jose` (a library the project did not write): the DPoP proof as RFC
// 9449 §4.3 asks, and the client assertion as Auth0 documents it, against the public key alone.
// It issues RS256 tokens (bound with `cnf.jkt` when a proof came and the policy allows) and
// serves its key set, so an API verifying with express-oauth2-jwt-bearer accepts them.
// It records every request (raw body, headers, decoded proof and assertion) for assertions.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID, type KeyObject } from 'node:crypto';
import {
  calculateJwkThumbprint,
  decodeProtectedHeader,
  EmbeddedJWK,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  SignJWT,
  type JWK,
  type JWTPayload,
} from 'jose';

export type DpopPolicy = 'none' | 'allowed' | 'required';

export interface VerifyingAuth0Options {
  clientId: string;
  /** The client's secret, when it may authenticate with one. */
  clientSecret?: string;
  /** The client's registered public key (Private Key JWT), when it may use an assertion. */
  clientPublicKey?: KeyObject;
  audience: string;
  scope?: string;
  dpop?: DpopPolicy;
  /** Ask for a DPoP nonce (400 use_dpop_nonce) until the proof carries the current one. */
  nonce?: boolean;
}

export interface TokenRequestRecord {
  rawBody: string;
  params: Record<string, string>;
  headers: IncomingMessage['headers'];
  proof: { header: Record<string, unknown>; claims: JWTPayload; jkt: string } | null;
  assertion: { header: Record<string, unknown>; claims: JWTPayload } | null;
  status: number;
  error: string | null;
}

export interface VerifyingAuth0 {
  url: string;
  tokenUrl: string;
  issuer: string;
  jwksUri: string;
  requests: TokenRequestRecord[];
  /** The next `count` token requests answer with `status` (e.g. 500). */
  failNext(status: number, count?: number): void;
  setPolicy(policy: DpopPolicy): void;
  close(): Promise<void>;
}

const ASSERTION_ALGS = ['RS256', 'RS384', 'PS256'];
const PROOF_WINDOW_S = 60;

export async function startVerifyingAuth0(options: VerifyingAuth0Options): Promise<VerifyingAuth0> {
  const signing = await generateKeyPair('RS256');
  const publicJwk: JWK = { ...(await exportJWK(signing.publicKey)), kid: 'test-key', alg: 'RS256' };
  const requests: TokenRequestRecord[] = [];
  const seenJti = new Set<string>();
  const failures: number[] = [];
  let policy: DpopPolicy = options.dpop ?? 'allowed';
  const currentNonce = `nonce-${randomUUID()}`;
  let url = '';

  const answer = (res: ServerResponse, status: number, body: unknown, headers = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  async function verifyProof(value: string | string[] | undefined) {
    if (typeof value !== 'string') throw new Error(value ? 'two DPoP headers' : 'no proof');
    const { payload, protectedHeader } = await jwtVerify(value, EmbeddedJWK, {
      typ: 'dpop+jwt',
      algorithms: ['ES256', 'PS256', 'RS256'],
    });
    const jwk = protectedHeader.jwk as JWK;
    if ('d' in jwk) throw new Error('private key in the proof');
    if (payload.htm !== 'POST' || payload.htu !== `${url}oauth/token`) throw new Error('htm/htu');
    const iat = payload.iat ?? 0;
    if (Math.abs(Date.now() / 1000 - iat) > PROOF_WINDOW_S) throw new Error('iat');
    if (typeof payload.jti !== 'string' || seenJti.has(`proof:${payload.jti}`)) {
      throw new Error('jti missing or replayed');
    }
    seenJti.add(`proof:${payload.jti}`);
    return { header: protectedHeader, claims: payload, jkt: await calculateJwkThumbprint(jwk) };
  }

  async function verifyAssertion(value: string) {
    if (!options.clientPublicKey) throw new Error('no registered key');
    const { payload, protectedHeader } = await jwtVerify(value, options.clientPublicKey, {
      issuer: options.clientId,
      subject: options.clientId,
      audience: `${url}`,
      algorithms: ASSERTION_ALGS,
      clockTolerance: 10,
    });
    if (payload.exp === undefined || payload.exp - (payload.iat ?? 0) > 300) {
      throw new Error('exp');
    }
    if (typeof payload.jti !== 'string' || seenJti.has(`assertion:${payload.jti}`)) {
      throw new Error('jti');
    }
    seenJti.add(`assertion:${payload.jti}`);
    return { header: protectedHeader, claims: payload };
  }

  async function handleToken(req: IncomingMessage, res: ServerResponse, rawBody: string) {
    const params: Record<string, string> = req.headers['content-type']?.includes('json')
      ? (JSON.parse(rawBody) as Record<string, string>)
      : Object.fromEntries(new URLSearchParams(rawBody));
    const record: TokenRequestRecord = {
      rawBody,
      params,
      headers: req.headers,
      proof: null,
      assertion: null,
      status: 0,
      error: null,
    };
    requests.push(record);
    const reply = (status: number, body: Record<string, unknown>, headers = {}) => {
      record.status = status;
      record.error = typeof body.error === 'string' ? body.error : null;
      answer(res, status, body, headers);
    };
    if (failures.length > 0) {
      const status = failures.shift() as number;
      return reply(status, { error: 'server_error' });
    }
    if (params.client_assertion !== undefined) {
      try {
        record.assertion = {
          header: decodeProtectedHeader(params.client_assertion),
          claims: {},
        };
        record.assertion = await verifyAssertion(params.client_assertion);
      } catch {
        return reply(401, { error: 'access_denied', error_description: 'Invalid assertion' });
      }
    } else if (
      options.clientSecret === undefined ||
      params.client_secret !== options.clientSecret
    ) {
      return reply(401, { error: 'access_denied', error_description: 'Unauthorized' });
    }
    if (params.client_id !== options.clientId || params.audience !== options.audience) {
      return reply(403, { error: 'access_denied' });
    }
    let jkt: string | null = null;
    if (policy !== 'none' && req.headers.dpop !== undefined) {
      try {
        record.proof = await verifyProof(req.headers.dpop);
      } catch {
        return reply(400, { error: 'invalid_dpop_proof' });
      }
      if (options.nonce && record.proof.claims.nonce !== currentNonce) {
        return reply(400, { error: 'use_dpop_nonce' }, { 'dpop-nonce': currentNonce });
      }
      jkt = record.proof.jkt;
    } else if (policy === 'required') {
      return reply(400, { error: 'invalid_request', error_description: 'DPoP proof required' });
    }
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({
      scope: options.scope ?? 'read:customers write:interactions',
      azp: options.clientId,
      gty: 'client-credentials',
      ...(jkt ? { cnf: { jkt } } : {}),
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: 'test-key' })
      .setIssuer(`${url}`)
      .setSubject(`${options.clientId}@clients`)
      .setAudience(options.audience)
      .setIssuedAt(now)
      .setExpirationTime(now + 86400)
      .setJti(randomUUID())
      .sign(signing.privateKey);
    return reply(200, {
      access_token: token,
      token_type: jkt ? 'DPoP' : 'Bearer',
      expires_in: 86400,
      scope: options.scope ?? 'read:customers write:interactions',
    });
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      if (req.method === 'POST' && req.url === '/oauth/token') {
        handleToken(req, res, rawBody).catch(() => answer(res, 500, { error: 'server_error' }));
      } else if (req.method === 'GET' && req.url === '/.well-known/jwks.json') {
        answer(res, 200, { keys: [publicJwk] });
      } else {
        answer(res, 404, { error: 'not_found' });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  return {
    url,
    tokenUrl: `${url}oauth/token`,
    issuer: url,
    jwksUri: `${url}.well-known/jwks.json`,
    requests,
    failNext(status: number, count = 1) {
      for (let i = 0; i < count; i += 1) failures.push(status);
    },
    setPolicy(next: DpopPolicy) {
      policy = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
