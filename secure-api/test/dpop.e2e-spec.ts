// DPoP (RFC 9449) against the real app: every refused and accepted case of the fault
// catalogue's AD rows (docs/fault-catalogue/api-dpop.md), with access tokens minted by the
// test support (bound with cnf.jkt), proofs made with jose, and proofs made by panva's `dpop`
// client library (interop). One app per AUTH0_DPOP_MODE, plus one with nonces and one behind
// API_PUBLIC_URL, all on the same local key set.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateKeyPair as generateDpopKeyPair, generateProof } from 'dpop';
import { createHmac, createSign } from 'node:crypto';
import { DPOP_ALGORITHMS } from '../src/auth/dpop-proof-key.js';
import { NONCE_SLOT_SECONDS } from '../src/auth/dpop-nonce.js';
import type { AppConfig } from '../src/config/app-config.js';
import {
  ath,
  createDpopKey,
  type DpopKey,
  makeProof,
  proofClaims,
  rawProof,
} from './support/dpop-proofs.js';
import type { JwksServer } from './support/jwks-server.js';
import { startKeySet } from './support/key-set.js';
import type { TestSigningKey } from './support/signing-keys.js';
import {
  expectErrorAnswer,
  startTestApp,
  testConfig,
  type TestApp,
  type TestResponse,
} from './support/test-app.js';
import { b64url, mint, now, signHs256 } from './support/tokens.js';

const ALGS = DPOP_ALGORITHMS.join(' ');
const NONCE_SECRET = 'nonce-secret-for-tests-0123456789abcdef';
const PUBLIC_URL = 'https://api.example.com';

let jwks: JwksServer;
let signingKey: TestSigningKey;
let issuer: string;
let dpopKey: DpopKey;
let otherKey: DpopKey;
let boundToken: string;
let unboundToken: string;
const apis: Record<'allowed' | 'required' | 'disabled' | 'nonce' | 'public', TestApp> = {} as never;

async function start(overrides: Partial<AppConfig>): Promise<TestApp> {
  return startTestApp(testConfig(issuer, jwks.uri, overrides));
}

beforeAll(async () => {
  ({ key: signingKey, jwks } = await startKeySet());
  issuer = jwks.issuer;
  [dpopKey, otherKey] = await Promise.all([createDpopKey(), createDpopKey()]);
  boundToken = await mint({ issuer, key: signingKey, claims: { cnf: { jkt: dpopKey.jkt } } });
  unboundToken = await mint({ issuer, key: signingKey });
  const [allowed, required, disabled, nonce, publicApi] = await Promise.all([
    start({}),
    start({ dpopMode: 'required' }),
    start({ dpopMode: 'disabled' }),
    start({ dpopNonceSecret: NONCE_SECRET }),
    start({ apiPublicUrl: PUBLIC_URL }),
  ]);
  Object.assign(apis, { allowed, required, disabled, nonce, public: publicApi });
});

afterAll(async () => {
  await Promise.all(Object.values(apis).map((api) => api.close()));
  await jwks.stop();
});

const htuOf = (api: TestApp, path = '/secure'): string => `http://127.0.0.1:${api.port}${path}`;

/** GET /secure with `Authorization: DPoP <token>` and the given proof header(s). */
function dpopRequest(
  api: TestApp,
  proof: string | string[] | undefined,
  token = boundToken,
  url = '/secure',
): ReturnType<TestApp['request']> {
  return api.request({
    url,
    headers: { authorization: `DPoP ${token}`, ...(proof === undefined ? {} : { dpop: proof }) },
  });
}

/** A valid proof for GET /secure on `api`, bound to `token`, with any overrides. */
function proofFor(
  api: TestApp,
  overrides: Partial<Parameters<typeof makeProof>[1]> = {},
  key = dpopKey,
): Promise<string> {
  return makeProof(key, { htu: htuOf(api), accessToken: boundToken, ...overrides });
}

function expectRefused(response: TestResponse, error: string, challenge: RegExp): void {
  expectErrorAnswer(response, 401, error);
  expect(response.headers['www-authenticate']).toMatch(challenge);
  expect(response.body).not.toContain(boundToken);
}

/** Allowed mode: the DPoP challenge with the error first, then a bare Bearer challenge. */
function expectBadProof(response: TestResponse): void {
  expectRefused(
    response,
    'invalid_dpop_proof',
    new RegExp(
      `^DPoP algs="${ALGS}", error="invalid_dpop_proof", error_description="[^"]+", Bearer realm="secure-api"$`,
    ),
  );
}

function nonceOfSlot(slot: number): string {
  return createHmac('sha256', NONCE_SECRET).update(`dpop-nonce:${slot}`).digest('base64url');
}

describe('DPoP: refused', () => {
  it('AD1: a DPoP-bound token sent as Bearer is 401 invalid_token in every mode', async () => {
    for (const api of [apis.allowed, apis.required, apis.disabled]) {
      const response = await api.request({ url: '/secure', token: boundToken });
      expectRefused(response, 'invalid_token', /error="invalid_token"/);
    }
    // Also once its verification is cached (the hit path must not skip the check).
    const again = await apis.allowed.request({ url: '/secure', token: boundToken });
    expectRefused(again, 'invalid_token', /^Bearer realm="secure-api", error="invalid_token"/);
  });

  it('AD2: the DPoP scheme without a DPoP header is 401 invalid_dpop_proof', async () => {
    expectBadProof(await dpopRequest(apis.allowed, undefined));
  });

  it('AD3: two DPoP headers are 401 invalid_dpop_proof', async () => {
    const [first, second] = await Promise.all([proofFor(apis.allowed), proofFor(apis.allowed)]);
    expectBadProof(await dpopRequest(apis.allowed, [first, second]));
  });

  it('AD4: a proof whose typ is not dpop+jwt is refused', async () => {
    for (const typ of ['JWT', 'at+jwt', undefined]) {
      expectBadProof(
        await dpopRequest(apis.allowed, await proofFor(apis.allowed, { header: { typ } })),
      );
    }
  });

  it('AD5: a proof with alg none is refused', async () => {
    const proof = rawProof(
      { typ: 'dpop+jwt', alg: 'none', jwk: dpopKey.publicJwk },
      proofClaims({ htu: htuOf(apis.allowed), accessToken: boundToken }),
    );
    expectBadProof(await dpopRequest(apis.allowed, proof));
  });

  it('AD6: a proof with HS256 keyed with the public JWK is refused', async () => {
    const header = { typ: 'dpop+jwt', alg: 'HS256', jwk: dpopKey.publicJwk };
    const claims = proofClaims({ htu: htuOf(apis.allowed), accessToken: boundToken });
    for (const secret of [JSON.stringify(dpopKey.publicJwk), String(dpopKey.publicJwk.x)]) {
      expectBadProof(await dpopRequest(apis.allowed, signHs256(header, claims, secret)));
    }
  });

  it('AD7: a proof whose jwk holds the private key is refused', async () => {
    const privateJwk = dpopKey.privateKey.export({ format: 'jwk' });
    const proof = await proofFor(apis.allowed, { header: { jwk: privateJwk } });
    expectBadProof(await dpopRequest(apis.allowed, proof));
  });

  it('AD8: a proof with a tampered signature or payload is refused', async () => {
    const proof = await proofFor(apis.allowed);
    const [header, payload, signature] = proof.split('.') as [string, string, string];
    const flipped = `${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`;
    expectBadProof(await dpopRequest(apis.allowed, `${header}.${payload}.${flipped}`));
    const forged = b64url({
      ...JSON.parse(Buffer.from(payload, 'base64url').toString()),
      htm: 'POST',
    });
    expectBadProof(await dpopRequest(apis.allowed, `${header}.${forged}.${signature}`));
  });

  it('AD9: a proof whose htm is not the request method is refused', async () => {
    expectBadProof(await dpopRequest(apis.allowed, await proofFor(apis.allowed, { htm: 'POST' })));
    expectBadProof(await dpopRequest(apis.allowed, await proofFor(apis.allowed, { htm: 'get' })));
  });

  it('AD10: a proof whose htu has another path is refused', async () => {
    const proof = await proofFor(apis.allowed, { htu: htuOf(apis.allowed, '/customers') });
    expectBadProof(await dpopRequest(apis.allowed, proof));
  });

  it('AD11: a proof whose htu has another origin is refused', async () => {
    for (const htu of [
      `http://localhost:${apis.allowed.port}/secure`,
      `https://127.0.0.1:${apis.allowed.port}/secure`,
      `http://127.0.0.1:${apis.required.port}/secure`,
    ]) {
      expectBadProof(await dpopRequest(apis.allowed, await proofFor(apis.allowed, { htu })));
    }
  });

  it('AD12: a proof whose htu carries a query or fragment is refused', async () => {
    for (const suffix of ['?phone=1', '#top', '?']) {
      const proof = await proofFor(apis.allowed, { htu: `${htuOf(apis.allowed)}${suffix}` });
      expectBadProof(await dpopRequest(apis.allowed, proof, boundToken, '/secure?phone=1'));
    }
  });

  it('AD13: a proof issued more than 300 s ago is refused', async () => {
    const proof = await proofFor(apis.allowed, { claims: { iat: now() - 310 } });
    expectBadProof(await dpopRequest(apis.allowed, proof));
  });

  it('AD14: a proof issued more than 30 s ahead is refused', async () => {
    const proof = await proofFor(apis.allowed, { claims: { iat: now() + 60 } });
    expectBadProof(await dpopRequest(apis.allowed, proof));
  });

  it('AD15: a proof without ath is refused', async () => {
    expectBadProof(
      await dpopRequest(apis.allowed, await proofFor(apis.allowed, { omit: ['ath'] })),
    );
  });

  it('AD16: a proof whose ath is the hash of another token is refused', async () => {
    const proof = await proofFor(apis.allowed, { claims: { ath: ath(unboundToken) } });
    expectBadProof(await dpopRequest(apis.allowed, proof));
  });

  it('AD17: a proof signed by a key other than the token cnf.jkt is refused', async () => {
    const proof = await proofFor(apis.allowed, {}, otherKey);
    expectBadProof(await dpopRequest(apis.allowed, proof));
  });

  it('AD18: a proof without jti is refused', async () => {
    expectBadProof(
      await dpopRequest(apis.allowed, await proofFor(apis.allowed, { omit: ['jti'] })),
    );
  });

  it('AD19: a replayed proof is refused the second time', async () => {
    const proof = await proofFor(apis.allowed);
    expect((await dpopRequest(apis.allowed, proof)).statusCode).toBe(200);
    expectBadProof(await dpopRequest(apis.allowed, proof));
  });

  it('AD20: with nonces on, a proof without a nonce is 401 use_dpop_nonce with DPoP-Nonce', async () => {
    const response = await dpopRequest(apis.nonce, await proofFor(apis.nonce));
    expectRefused(
      response,
      'use_dpop_nonce',
      new RegExp(`^DPoP algs="${ALGS}", error="use_dpop_nonce", error_description="[^"]+"`),
    );
    const slot = Math.floor(now() / NONCE_SLOT_SECONDS);
    expect([nonceOfSlot(slot), nonceOfSlot(slot + 1)]).toContain(response.headers['dpop-nonce']);
  });

  it('AD21: with nonces on, a stale or unknown nonce is 401 use_dpop_nonce', async () => {
    const slot = Math.floor(now() / NONCE_SLOT_SECONDS);
    for (const nonce of [nonceOfSlot(slot - 2), 'made-up-nonce']) {
      const response = await dpopRequest(apis.nonce, await proofFor(apis.nonce, { nonce }));
      expectRefused(response, 'use_dpop_nonce', /error="use_dpop_nonce"/);
      expect(typeof response.headers['dpop-nonce']).toBe('string');
    }
  });

  it('AD22: an unbound token sent with the DPoP scheme is 401 invalid_token', async () => {
    const proof = await makeProof(dpopKey, { htu: htuOf(apis.allowed), accessToken: unboundToken });
    const response = await dpopRequest(apis.allowed, proof, unboundToken);
    expectRefused(
      response,
      'invalid_token',
      new RegExp(`^DPoP algs="${ALGS}", error="invalid_token"`),
    );
  });

  it('AD23: Bearer in required mode is 401 invalid_token with only the DPoP challenge', async () => {
    const response = await apis.required.request({ url: '/secure', token: unboundToken });
    expectRefused(
      response,
      'invalid_token',
      new RegExp(`^DPoP algs="${ALGS}", error="invalid_token", error_description="[^"]+"$`),
    );
    const none = await apis.required.request({ url: '/secure' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe(`DPoP algs="${ALGS}"`);
  });

  it('AD24: the DPoP scheme in disabled mode is 401 with only the Bearer challenge', async () => {
    const response = await dpopRequest(apis.disabled, await proofFor(apis.disabled));
    expect(response.statusCode).toBe(401);
    expect(response.json().error).toBe('unauthorized');
    expect(response.headers['www-authenticate']).toBe('Bearer realm="secure-api"');
  });
});

describe('DPoP: accepted', () => {
  it('AD25: a valid proof with its bound token gets 200, and a new proof each time', async () => {
    for (let i = 0; i < 3; i += 1) {
      const response = await dpopRequest(apis.allowed, await proofFor(apis.allowed));
      expect(response.statusCode).toBe(200);
      expect(response.json().sub).toBe('test-m2m-client@clients');
      expect(response.headers['dpop-nonce']).toBeUndefined();
    }
  });

  it('AD26: with nonces on, a proof carrying the given nonce gets 200 and the current nonce', async () => {
    const first = await dpopRequest(apis.nonce, await proofFor(apis.nonce));
    const nonce = String(first.headers['dpop-nonce']);
    const response = await dpopRequest(apis.nonce, await proofFor(apis.nonce, { nonce }));
    expect(response.statusCode).toBe(200);
    expect(response.headers['dpop-nonce']).toBe(nonce);
    const previous = nonceOfSlot(Math.floor(now() / NONCE_SLOT_SECONDS) - 1);
    const late = await dpopRequest(apis.nonce, await proofFor(apis.nonce, { nonce: previous }));
    expect(late.statusCode).toBe(200);
  });

  it('AD27: Bearer for an unbound token in allowed mode gets 200', async () => {
    for (let i = 0; i < 2; i += 1) {
      expect((await apis.allowed.request({ url: '/secure', token: unboundToken })).statusCode).toBe(
        200,
      );
    }
  });

  it('AD28: behind API_PUBLIC_URL the htu names the public origin (RFC 3986 normalised)', async () => {
    for (const htu of [
      `${PUBLIC_URL}/secure`,
      'HTTPS://API.Example.COM:443/secure',
      'https://api.example.com/./secure',
    ]) {
      const response = await dpopRequest(apis.public, await proofFor(apis.public, { htu }));
      expect(response.statusCode).toBe(200);
    }
    // The internal origin the request really reached is not the one clients address.
    expectBadProof(await dpopRequest(apis.public, await proofFor(apis.public)));
  });

  it('AD29: proofs made by panva/dpop (ES256, PS256, Ed25519) are accepted (interop)', async () => {
    for (const alg of ['ES256', 'PS256', 'Ed25519'] as const) {
      const keyPair = await generateDpopKeyPair(alg, { extractable: true });
      const jwk = await crypto.subtle.exportKey('jwk', keyPair.publicKey);
      const { calculateJwkThumbprint } = await import('jose');
      const jkt = await calculateJwkThumbprint(jwk);
      const token = await mint({ issuer, key: signingKey, claims: { cnf: { jkt } } });
      const proof = await generateProof(keyPair, htuOf(apis.nonce), 'GET', undefined, token);
      const challenge = await dpopRequest(apis.nonce, proof, token);
      expect(challenge.statusCode).toBe(401);
      const nonce = String(challenge.headers['dpop-nonce']);
      const retry = await generateProof(keyPair, htuOf(apis.nonce), 'GET', nonce, token);
      const response = await dpopRequest(apis.nonce, retry, token);
      expect(response.statusCode).toBe(200);
    }
  });

  it('AD30: refusals are logged at debug level with their reason, never the token or the proof', async () => {
    const proof = await proofFor(apis.allowed, { htm: 'DELETE' });
    await dpopRequest(apis.allowed, proof);
    // Nest's static Logger writes through the logger of the app created last, so the line
    // is looked for in every app's log.
    const all = Object.values(apis)
      .flatMap((api) => api.logs)
      .join('\n');
    expect(all).toMatch(
      /"level":20,.*"reason":"proof htm is not the request method".*"msg":"request rejected"|"level":20,.*"msg":"request rejected".*"reason":"proof htm is not the request method"/,
    );
    expect(all).not.toContain(boundToken);
    expect(all).not.toContain(proof);
  });

  it('AD31: an RS256 proof signed with a key shorter than 2048 bits is refused', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const { exportJWK, calculateJwkThumbprint } = await import('jose');
    const jwk = await exportJWK(publicKey);
    const token = await mint({
      issuer,
      key: signingKey,
      claims: { cnf: { jkt: await calculateJwkThumbprint(jwk) } },
    });
    const header = { typ: 'dpop+jwt', alg: 'RS256', jwk };
    const input = `${b64url(header)}.${b64url(proofClaims({ htu: htuOf(apis.allowed), accessToken: token }))}`;
    const signature = createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url');
    expectBadProof(await dpopRequest(apis.allowed, `${input}.${signature}`, token));
  });

  it('AD32: a DPoP request whose token lacks the route scope is 403 with the DPoP challenge first', async () => {
    const token = await mint({
      issuer,
      key: signingKey,
      claims: { cnf: { jkt: dpopKey.jkt }, scope: 'write:interactions' },
    });
    const url = '/customers?phone=%2B15005550001';
    const proof = await makeProof(dpopKey, {
      htu: htuOf(apis.allowed, '/customers'),
      accessToken: token,
    });
    const response = await dpopRequest(apis.allowed, proof, token, url);
    expect(response.statusCode).toBe(403);
    expect(response.json().error).toBe('insufficient_scope');
    expect(response.headers['www-authenticate']).toBe(
      `DPoP algs="${ALGS}", error="insufficient_scope", error_description="The access token lacks a required scope", scope="read:customers", Bearer realm="secure-api"`,
    );
  });
});
