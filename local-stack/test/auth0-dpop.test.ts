// DPoP at the Auth0 stand-in's token endpoint (RFC 9449 §4.3, §5, §8): each proof check on
// its own, the three sender-constraining policies, nonces, and oauth4webapi's DPoP client.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  calculateJwkThumbprint,
  createRemoteJWKSet,
  decodeJwt,
  jwtVerify,
  type JWTPayload,
} from 'jose';
import { createHmac, randomUUID } from 'node:crypto';
import * as oauth from 'oauth4webapi';
import { auth0Defaults, startAuth0StandIn, type Auth0StandIn } from '../src';
import { postJson, validRequest, type HttpAnswer } from './auth0-requests';
import { b64, postWithProofs, proof, proofKey, type ProofKey } from './dpop-proofs';

const OTHER_AUDIENCE = 'urn:bearer-only-api';
const REQUIRED_AUDIENCE = 'urn:dpop-required-api';

let standIn: Auth0StandIn;
let key: ProofKey;

beforeAll(async () => {
  standIn = await startAuth0StandIn({
    clients: [
      {
        clientId: auth0Defaults.DEFAULT_CLIENT_ID,
        clientSecret: auth0Defaults.DEFAULT_CLIENT_SECRET,
        grants: {
          [auth0Defaults.DEFAULT_AUDIENCE]: auth0Defaults.DEFAULT_SCOPES,
          [OTHER_AUDIENCE]: [],
          [REQUIRED_AUDIENCE]: [],
        },
      },
    ],
    senderConstraining: { [OTHER_AUDIENCE]: 'none', [REQUIRED_AUDIENCE]: 'required' },
  });
  key = await proofKey('ES256');
});
afterAll(() => standIn.close());

function withProof(p: string | string[], body: unknown = validRequest): Promise<HttpAnswer> {
  return postWithProofs(standIn.tokenUrl, body, Array.isArray(p) ? p : [p]);
}

async function verifiedClaims(token: string): Promise<JWTPayload> {
  const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(standIn.jwksUri)), {
    issuer: standIn.issuer,
    algorithms: ['RS256'],
  });
  return payload;
}

function expectBadProof(answer: HttpAnswer, description: RegExp): void {
  expect(answer.status).toBe(400);
  expect(answer.body).toEqual({
    error: 'invalid_dpop_proof',
    error_description: expect.any(String),
  });
  expect(answer.body.error_description).toMatch(description);
  expect(answer.body.access_token).toBeUndefined();
}

/** A proof signed with HMAC-SHA256, keyed with the public JWK's JSON (the classic confusion). */
function hs256Proof(): string {
  const header = b64({ typ: 'dpop+jwt', alg: 'HS256', jwk: key.publicJwk });
  const payload = b64({
    htm: 'POST',
    htu: standIn.tokenUrl,
    iat: Math.floor(Date.now() / 1000),
    jti: randomUUID(),
  });
  const mac = createHmac('sha256', JSON.stringify(key.publicJwk))
    .update(`${header}.${payload}`)
    .digest('base64url');
  return `${header}.${payload}.${mac}`;
}

describe('DPoP proofs at the token endpoint (policy allowed)', () => {
  it('SA1: a valid ES256 proof gets a DPoP token bound to the key (cnf.jkt)', async () => {
    const answer = await withProof(await proof(key, standIn.tokenUrl));
    expect(answer.status).toBe(200);
    expect(answer.body.token_type).toBe('DPoP');
    const claims = await verifiedClaims(answer.body.access_token as string);
    expect(claims.cnf).toEqual({ jkt: await calculateJwkThumbprint(key.publicJwk, 'sha256') });
  });

  it('SA2: PS256 and RS256 proofs are accepted too', async () => {
    for (const alg of ['PS256', 'RS256']) {
      const rsa = await proofKey(alg);
      const answer = await withProof(await proof(rsa, standIn.tokenUrl));
      expect(answer.status).toBe(200);
      const claims = await verifiedClaims(answer.body.access_token as string);
      expect(claims.cnf).toEqual({ jkt: await calculateJwkThumbprint(rsa.publicJwk) });
    }
  });

  it('SA3: a request without a proof gets a Bearer token without cnf', async () => {
    const answer = await postJson(standIn.tokenUrl, validRequest);
    expect(answer.status).toBe(200);
    expect(answer.body.token_type).toBe('Bearer');
    expect((await verifiedClaims(answer.body.access_token as string)).cnf).toBeUndefined();
  });

  it('SA4: two DPoP headers are refused', async () => {
    const one = await proof(key, standIn.tokenUrl);
    const two = await proof(key, standIn.tokenUrl);
    expectBadProof(await withProof([one, two]), /Exactly one DPoP header/);
  });

  it('SA5: a DPoP header that is not a compact JWS is refused', async () => {
    expectBadProof(await withProof('not-a-jws'), /compact JWS/);
    const one = await proof(key, standIn.tokenUrl);
    expectBadProof(await withProof(`${one}.${one}`), /compact JWS/);
  });

  it('SA6: a proof whose typ is not dpop+jwt is refused', async () => {
    expectBadProof(
      await withProof(await proof(key, standIn.tokenUrl, { header: { typ: 'JWT' } })),
      /typ must be dpop\+jwt/,
    );
  });

  it('SA7: a proof with alg none is refused', async () => {
    const header = b64({ typ: 'dpop+jwt', alg: 'none', jwk: key.publicJwk });
    const payload = b64({ htm: 'POST', htu: standIn.tokenUrl, iat: Date.now() / 1000, jti: 'x' });
    expectBadProof(await withProof(`${header}.${payload}.`), /compact JWS|asymmetric/);
    expectBadProof(await withProof(`${header}.${payload}.AAAA`), /asymmetric/);
  });

  it('SA8: a proof with HS256 keyed with the public JWK is refused', async () => {
    expectBadProof(await withProof(hs256Proof()), /asymmetric/);
  });

  it('SA9: a proof whose jwk holds the private key is refused', async () => {
    const p = await proof(key, standIn.tokenUrl, { header: { jwk: key.privateJwk } });
    expectBadProof(await withProof(p), /jwk must be a public key/);
  });

  it('SA10: a proof without a jwk is refused', async () => {
    const p = await proof(key, standIn.tokenUrl, { header: { jwk: undefined } });
    expectBadProof(await withProof(p), /must hold the public jwk/);
  });

  it('SA11: a proof with a tampered signature is refused', async () => {
    const [h, p, s] = (await proof(key, standIn.tokenUrl)).split('.') as [string, string, string];
    const flipped = Buffer.from(s, 'base64url');
    flipped[0] = flipped[0]! ^ 0xff;
    expectBadProof(await withProof(`${h}.${p}.${flipped.toString('base64url')}`), /signature/);
  });

  it('SA12: a proof signed by another key than its jwk is refused', async () => {
    const other = await proofKey('ES256');
    const p = await proof(other, standIn.tokenUrl, { header: { jwk: key.publicJwk } });
    expectBadProof(await withProof(p), /signature/);
  });

  it('SA13: a proof whose htm is not POST is refused', async () => {
    const p = await proof(key, standIn.tokenUrl, { claims: { htm: 'GET' } });
    expectBadProof(await withProof(p), /htm must be POST/);
  });

  it('SA14: a proof for another URL (path or origin) is refused', async () => {
    for (const htu of [`${standIn.url}oauth/other`, 'https://tenant.example/oauth/token']) {
      expectBadProof(await withProof(await proof(key, htu)), /htu/);
    }
    // RFC 9449 §4.3: query and fragment are ignored, scheme and host compared case-free.
    const upper = standIn.tokenUrl.replace('http://', 'HTTP://') + '?x=1#f';
    expect((await withProof(await proof(key, upper))).status).toBe(200);
  });

  it('SA15: a proof whose iat is too old or too far ahead is refused', async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const iat of [now - 400, now + 120]) {
      expectBadProof(
        await withProof(await proof(key, standIn.tokenUrl, { claims: { iat } })),
        /iat is outside/,
      );
    }
    const noIat = await proof(key, standIn.tokenUrl, { claims: { iat: undefined } });
    expectBadProof(await withProof(noIat), /numeric iat/);
  });

  it('SA16: a proof without a jti is refused', async () => {
    const p = await proof(key, standIn.tokenUrl, { claims: { jti: undefined } });
    expectBadProof(await withProof(p), /must have a jti/);
  });

  it('SA17: a replayed proof is refused', async () => {
    const p = await proof(key, standIn.tokenUrl);
    expect((await withProof(p)).status).toBe(200);
    expectBadProof(await withProof(p), /already been used/);
  });

  it('SA18: a refused proof does not reveal the token request’s credentials', async () => {
    const answer = await withProof(hs256Proof());
    const text = JSON.stringify(answer.body);
    expect(text).not.toContain(auth0Defaults.DEFAULT_CLIENT_SECRET);
    expect(text).not.toMatch(/eyJ/);
  });
});

describe('sender-constraining policies', () => {
  it('SA19: policy required refuses a request without a proof (400 invalid_request)', async () => {
    const answer = await postJson(standIn.tokenUrl, {
      ...validRequest,
      audience: REQUIRED_AUDIENCE,
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      error: 'invalid_request',
      error_description: 'A DPoP proof is required for this API',
    });
    const bound = await withProof(await proof(key, standIn.tokenUrl), {
      ...validRequest,
      audience: REQUIRED_AUDIENCE,
    });
    expect(bound.status).toBe(200);
    expect(bound.body.token_type).toBe('DPoP');
  });

  it('SA20: policy none ignores the DPoP header, even a broken one, and issues Bearer', async () => {
    const body = { ...validRequest, audience: OTHER_AUDIENCE };
    for (const p of [await proof(key, standIn.tokenUrl), 'garbage']) {
      const answer = await withProof(p, body);
      expect(answer.status).toBe(200);
      expect(answer.body.token_type).toBe('Bearer');
      expect(decodeJwt(answer.body.access_token as string).cnf).toBeUndefined();
    }
  });

  it('SA21: an unknown policy name is refused at start', async () => {
    await expect(
      startAuth0StandIn({ senderConstraining: 'sometimes' as unknown as 'none' }),
    ).rejects.toThrow('senderConstraining must be none, allowed or required');
  });
});

describe('DPoP nonces (RFC 9449 §8)', () => {
  let nonced: Auth0StandIn;
  beforeAll(async () => {
    nonced = await startAuth0StandIn({ dpopNonce: true });
  });
  afterAll(() => nonced.close());

  it('SA22: a proof without the nonce gets use_dpop_nonce and a DPoP-Nonce header; with it, a token', async () => {
    const first = await postWithProofs(nonced.tokenUrl, validRequest, [
      await proof(key, nonced.tokenUrl),
    ]);
    expect(first.status).toBe(400);
    expect(first.body.error).toBe('use_dpop_nonce');
    const nonce = first.headers.get('dpop-nonce');
    expect(nonce).toBe(nonced.dpopNonce());
    const retry = await postWithProofs(nonced.tokenUrl, validRequest, [
      await proof(key, nonced.tokenUrl, { claims: { nonce } }),
    ]);
    expect(retry.status).toBe(200);
    expect(retry.body.token_type).toBe('DPoP');
  });

  it('SA23: a stale nonce gets use_dpop_nonce with the new one', async () => {
    const stale = nonced.dpopNonce();
    const fresh = nonced.rotateDpopNonce();
    expect(fresh).not.toBe(stale);
    const answer = await postWithProofs(nonced.tokenUrl, validRequest, [
      await proof(key, nonced.tokenUrl, { claims: { nonce: stale } }),
    ]);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('use_dpop_nonce');
    expect(answer.headers.get('dpop-nonce')).toBe(fresh);
  });
});

describe('interop', () => {
  const as = (s: Auth0StandIn): oauth.AuthorizationServer => ({
    issuer: s.issuer,
    token_endpoint: s.tokenUrl,
  });
  const client: oauth.Client = { client_id: auth0Defaults.DEFAULT_CLIENT_ID };
  const params = { audience: auth0Defaults.DEFAULT_AUDIENCE };

  it('SA24: oauth4webapi’s DPoP client gets a bound token from the stand-in', async () => {
    const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ]);
    const DPoP = oauth.DPoP(client, pair);
    const response = await oauth.clientCredentialsGrantRequest(
      as(standIn),
      client,
      oauth.ClientSecretPost(auth0Defaults.DEFAULT_CLIENT_SECRET),
      params,
      { DPoP, [oauth.allowInsecureRequests]: true },
    );
    const result = await oauth.processClientCredentialsResponse(as(standIn), client, response);
    expect(result.token_type).toBe('dpop');
    const claims = await verifiedClaims(result.access_token);
    const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey);
    expect(claims.cnf).toEqual({
      jkt: await calculateJwkThumbprint({ kty: jwk.kty!, crv: jwk.crv!, x: jwk.x!, y: jwk.y! }),
    });
  });

  it('SA25: oauth4webapi’s DPoP client follows the stand-in’s nonce and gets a bound token', async () => {
    const nonced = await startAuth0StandIn({ dpopNonce: true });
    try {
      const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
        'sign',
        'verify',
      ]);
      const DPoP = oauth.DPoP(client, pair);
      const request = () =>
        oauth.clientCredentialsGrantRequest(
          as(nonced),
          client,
          oauth.ClientSecretPost(auth0Defaults.DEFAULT_CLIENT_SECRET),
          params,
          { DPoP, [oauth.allowInsecureRequests]: true },
        );
      let caught: unknown;
      try {
        await oauth.processClientCredentialsResponse(as(nonced), client, await request());
      } catch (error) {
        caught = error;
      }
      expect(oauth.isDPoPNonceError(caught)).toBe(true);
      const result = await oauth.processClientCredentialsResponse(
        as(nonced),
        client,
        await request(),
      );
      expect(result.token_type).toBe('dpop');
    } finally {
      await nonced.close();
    }
  });
});
