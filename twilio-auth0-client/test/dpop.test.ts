// DPoP on the function side (RFC 9449): the token request carries a proof and gets a bound token,
// every API call carries `Authorization: DPoP` and a fresh proof, nonces are retried once, a
// Bearer answer is used as Bearer. The token endpoint checks proofs with jose, and the API is
// Auth0's express-oauth2-jwt-bearer with DPoP required: neither was written by this project.
import { generateKeyPairSync } from 'node:crypto';
import { expect, it } from '@jest/globals';
import { decodeJwt } from 'jose';
import { handler as testApiCall } from '../src/functions/test-api-call';
import { handler as customerLookup } from '../src/functions/customer-lookup.protected';
import type { CapturedLogs } from './support/capture-logs';
import { startDpopApi, type DpopApi } from './support/dpop-api';
import { AUDIENCE, CLIENT_ID, CLIENT_SECRET, functionEnv, uniqueDocName } from './support/env';
import { eventFor, invoke, type Env } from './support/invoke';
import { usePerTestServers } from './support/per-test-servers';
import { startScriptedApi } from './support/scripted-api';
import { signedEvent } from './support/signing';
import { dpopTestKey, rsaTestKey, thumbprintOf, type TestKey } from './support/test-keys';
import {
  startVerifyingAuth0,
  type VerifyingAuth0,
  type VerifyingAuth0Options,
} from './support/verifying-auth0';

const perTest = usePerTestServers();
let logs: CapturedLogs;
const key = dpopTestKey();

interface Setup {
  auth0: VerifyingAuth0;
  api: DpopApi;
  env: Env;
}

async function setUp(
  auth0Options: Partial<VerifyingAuth0Options> = {},
  apiOptions: { nonce?: boolean } = {},
  dpopKey: TestKey = key,
): Promise<Setup> {
  logs = perTest.captureLogs();
  const auth0 = await startVerifyingAuth0({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    audience: AUDIENCE,
    ...auth0Options,
  });
  const api = await startDpopApi(auth0, AUDIENCE, apiOptions);
  perTest.closers.push(auth0.close, api.close);
  const env = functionEnv(auth0, perTest.sync, api.url, { DPOP_PRIVATE_KEY: dpopKey.jwkLine });
  return { auth0, api, env };
}

const events = () => JSON.stringify(logs.records().map((r) => r.events ?? []));

it('FD1: the token request carries a valid proof, the token is bound, and each API call has its own proof', async () => {
  const { auth0, api, env } = await setUp();
  const first = await invoke(testApiCall, env, '/test-api-call');
  const second = await invoke(testApiCall, env, '/test-api-call');
  const lookup = await invoke(
    customerLookup,
    env,
    '/customer-lookup',
    signedEvent('/customer-lookup', { phone: '+15005550099' }),
  );

  const jkt = await thumbprintOf(key);
  expect(first.status).toBe(200);
  expect(first.body.token).toMatchObject({ type: 'DPoP', jkt, source: 'auth0' });
  expect(first.body.api.body.cnf).toEqual({ jkt });
  expect(second.body.token).toMatchObject({ type: 'DPoP', source: 'memory' });
  expect(lookup.status).toBe(200);
  expect(lookup.body).toEqual({ found: false, phone: '+15005550099' });

  // One token request, with a proof jose verified (typ, ES256, public jwk, htm, htu, iat, jti).
  expect(auth0.requests).toHaveLength(1);
  const { proof } = auth0.requests[0]!;
  expect(proof?.jkt).toBe(jkt);
  expect(proof?.header).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256' });
  expect(proof?.header.jwk).not.toHaveProperty('d');
  expect(proof?.claims).toMatchObject({ htm: 'POST', htu: auth0.tokenUrl });

  // Three API calls, each accepted by express-oauth2-jwt-bearer (DPoP required), each with a
  // new proof: `jti` of 128 bits or more, `htu` without the query, `ath` present.
  expect(api.calls.map((c) => c.status)).toEqual([200, 200, 404]);
  const proofs = api.calls.map((c) => decodeJwt(c.proof ?? ''));
  expect(api.calls.every((c) => c.authorization?.startsWith('DPoP '))).toBe(true);
  expect(new Set(proofs.map((p) => p.jti)).size).toBe(3);
  for (const p of proofs)
    expect(Buffer.from(String(p.jti), 'base64url').length).toBeGreaterThanOrEqual(16);
  expect(api.calls[2]!.url).toBe('/customers?phone=%2B15005550099');
  expect(proofs[2]).toMatchObject({ htm: 'GET', htu: `${api.url}/customers` });
  expect(proofs.every((p) => typeof p.ath === 'string')).toBe(true);
});

it('FD2: a use_dpop_nonce answer at the token endpoint gets one retry with that nonce', async () => {
  const { auth0, env } = await setUp({ nonce: true });
  const answer = await invoke(testApiCall, env, '/test-api-call');

  expect(answer.status).toBe(200);
  expect(answer.body.token.type).toBe('DPoP');
  expect(auth0.requests.map((r) => [r.status, r.error])).toEqual([
    [400, 'use_dpop_nonce'],
    [200, null],
  ]);
  const [refused, retried] = auth0.requests.map((r) => r.proof!.claims);
  expect(refused!.nonce).toBeUndefined();
  expect(retried!.nonce).toMatch(/^nonce-/);
  expect(retried!.jti).not.toBe(refused!.jti);
  expect(events()).toContain('token_dpop_nonce_retry');
});

it('FD3: a 401 use_dpop_nonce from the API gets one retry with that nonce and the same token; the nonce is kept for the next call', async () => {
  const { auth0, api, env } = await setUp({}, { nonce: true });
  const first = await invoke(testApiCall, env, '/test-api-call');
  const second = await invoke(testApiCall, env, '/test-api-call');

  expect(first.status).toBe(200);
  expect(first.body.api.dpopNonceRequested).toBe(true);
  expect(second.status).toBe(200);
  expect(second.body.api.dpopNonceRequested).toBe(false);
  expect(auth0.requests).toHaveLength(1);
  expect(api.calls.map((c) => c.status)).toEqual([401, 200, 200]);
  const tokens = new Set(api.calls.map((c) => c.authorization));
  expect(tokens.size).toBe(1); // the token was not dropped
  const nonces = api.calls.map((c) => decodeJwt(c.proof ?? '').nonce);
  expect(nonces).toEqual([undefined, api.nonce, api.nonce]);
  expect(events()).toContain('api_dpop_nonce_retry');
});

it('FD4: Auth0 answering Bearer (the API policy is none) → the token is sent as Bearer, and the diagnosis and log say so', async () => {
  logs = perTest.captureLogs();
  const auth0 = await startVerifyingAuth0({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    audience: AUDIENCE,
    dpop: 'none',
  });
  const api = await startScriptedApi();
  perTest.closers.push(auth0.close, api.close);
  const env = functionEnv(auth0, perTest.sync, api.url, { DPOP_PRIVATE_KEY: key.jwkLine });
  const first = await invoke(testApiCall, env, '/test-api-call');
  const second = await invoke(testApiCall, env, '/test-api-call');
  const html = await invoke(
    testApiCall,
    env,
    '/test-api-call',
    eventFor({}, { accept: 'text/html' }),
  );

  expect(first.status).toBe(200);
  expect(first.body.token).toMatchObject({ type: 'Bearer', jkt: null });
  expect(first.body.api.dpopNonceRequested).toBeNull();
  expect(second.body.token.source).toBe('memory');
  expect(api.calls.map((c) => c.token !== undefined)).toEqual([true, true, true]);
  expect(auth0.requests).toHaveLength(1);
  expect(html.text).toContain('not bound to a key');
  expect(events()).toContain('token_bearer_despite_dpop');
});

async function stampede(env: Env, auth0: VerifyingAuth0): Promise<void> {
  const answers = await Promise.all(
    Array.from({ length: 8 }, () => invoke(testApiCall, env, '/test-api-call')),
  );
  expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
  expect(answers.every((a) => a.body.token.type === 'DPoP')).toBe(true);
  expect(auth0.requests.filter((r) => r.status === 200)).toHaveLength(1);
  expect(auth0.requests).toHaveLength(1);
}

it('FD5: a stampede of 8 cold invocations with DPoP on still makes 1 token request', async () => {
  const { auth0, env } = await setUp();
  await stampede(env, auth0);
});

it('FK6: a stampede of 8 cold invocations with Private Key JWT (and DPoP) makes 1 token request', async () => {
  const clientKey = rsaTestKey();
  const { auth0, env } = await setUp({
    clientSecret: undefined,
    clientPublicKey: clientKey.publicKey,
  });
  delete env.AUTH0_CLIENT_SECRET;
  env.AUTH0_CLIENT_ASSERTION_KEY = clientKey.pemLine;
  await stampede(env, auth0);
  expect(auth0.requests[0]!.assertion?.claims.iss).toBe(CLIENT_ID);
});

it('FD6: a rotated DPOP_PRIVATE_KEY → exactly one new token, bound to the new key, and no call with the old one', async () => {
  const { auth0, api, env } = await setUp();
  const rotated = dpopTestKey();
  const before = await invoke(testApiCall, env, '/test-api-call');
  const after = await invoke(
    testApiCall,
    { ...env, DPOP_PRIVATE_KEY: rotated.jwkLine },
    '/test-api-call',
  );
  const again = await invoke(
    testApiCall,
    { ...env, DPOP_PRIVATE_KEY: rotated.jwkLine },
    '/test-api-call',
  );

  expect(before.body.token.jkt).toBe(await thumbprintOf(key));
  expect(after.status).toBe(200);
  expect(after.body.token).toMatchObject({ jkt: await thumbprintOf(rotated), source: 'auth0' });
  expect(again.body.token.source).toBe('memory');
  expect(auth0.requests).toHaveLength(2);
  // The token bound to the old key was never offered with the new key's proof: the token cache
  // refuses a record (memory or Sync) whose bound key is not the configured key's thumbprint.
  expect(api.calls.map((c) => c.status)).toEqual([200, 200, 200]);
});

it('FD7: a DPOP_PRIVATE_KEY that is not an EC P-256 private key → 500 CONFIG_INVALID naming it, never its value', async () => {
  const { auth0, env } = await setUp();
  const p384 = JSON.stringify(
    generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'jwk' }),
  );
  const publicOnly = JSON.stringify(key.publicKey.export({ format: 'jwk' }));
  const rsa = rsaTestKey();
  const sec1 = key.privateKey.export({ format: 'pem', type: 'sec1' }).toString();
  const cases = ['not a key SeCrEt', p384, publicOnly, rsa.pemLine, rsa.jwkLine, sec1, '{"d":'];
  for (const value of cases) {
    const answer = await invoke(testApiCall, { ...env, DPOP_PRIVATE_KEY: value }, '/test-api-call');
    expect(answer.status).toBe(500);
    expect(answer.body.error).toMatchObject({
      code: 'CONFIG_INVALID',
      variable: 'DPOP_PRIVATE_KEY',
    });
    expect(answer.body.error.message).toContain('EC P-256');
    expect(answer.text).not.toContain('SeCrEt');
    for (const part of [...rsa.secretParts, ...key.secretParts])
      expect(answer.text).not.toContain(part);
  }
  expect(logs.lines.join('\n')).not.toContain('SeCrEt');
  expect(auth0.requests).toHaveLength(0);
});

it('FD8: the key given as PKCS#8 PEM (line breaks as \\n or real) works like the JWK, with the same thumbprint', async () => {
  const { env } = await setUp();
  const jkt = await thumbprintOf(key);
  for (const pem of [key.pemLine, key.pem]) {
    const answer = await invoke(
      testApiCall,
      { ...env, DPOP_PRIVATE_KEY: pem, TWILIO_SYNC_TOKEN_DOC: uniqueDocName('pem') },
      '/test-api-call',
    );
    expect(answer.status).toBe(200);
    expect(answer.body.token).toMatchObject({ type: 'DPoP', jkt });
  }
});
