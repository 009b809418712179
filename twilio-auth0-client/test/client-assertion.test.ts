// Private Key JWT client authentication (RFC 7523, as Auth0 documents it) on the function side:
// the configuration rules, the token request without a secret, the assertion's claims checked
// with jose against the public key alone, a new assertion per attempt, a refused assertion named
// as such, and no key, assertion or proof in any answer, log line or Sync document.
import { expect, it } from '@jest/globals';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { handler as testApiCall } from '../src/functions/test-api-call';
import { handler as customerLookup } from '../src/functions/customer-lookup.protected';
import type { CapturedLogs } from './support/capture-logs';
import { startDpopApi } from './support/dpop-api';
import { AUDIENCE, CLIENT_ID, CLIENT_SECRET, SERVICE_SID, functionEnv } from './support/env';
import { eventFor, invoke, type Answer, type Env } from './support/invoke';
import { usePerTestServers } from './support/per-test-servers';
import { signedEvent } from './support/signing';
import { startScriptedApi } from './support/scripted-api';
import { dpopTestKey, rsaTestKey } from './support/test-keys';
import { startVerifyingAuth0, type VerifyingAuth0 } from './support/verifying-auth0';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const clientKey = rsaTestKey();
const dpopKey = dpopTestKey();

const perTest = usePerTestServers();
let logs: CapturedLogs;

/** A token endpoint that knows only the client's public key, and the functions' env for it. */
async function setUp(
  overrides: Env = {},
  registered = clientKey.publicKey,
): Promise<{ auth0: VerifyingAuth0; env: Env; apiUrl: string }> {
  logs = perTest.captureLogs();
  const auth0 = await startVerifyingAuth0({
    clientId: CLIENT_ID,
    clientPublicKey: registered,
    audience: AUDIENCE,
  });
  const api = await startScriptedApi();
  perTest.closers.push(auth0.close, api.close);
  const env = functionEnv(auth0, perTest.sync, api.url, {
    AUTH0_CLIENT_ASSERTION_KEY: clientKey.pemLine,
    ...overrides,
  });
  delete env.AUTH0_CLIENT_SECRET;
  return { auth0, env, apiUrl: api.url };
}

it('FK1: AUTH0_CLIENT_SECRET and AUTH0_CLIENT_ASSERTION_KEY both set, or neither → 500 CONFIG_INVALID naming both', async () => {
  const { auth0, env } = await setUp();
  const both = await invoke(
    testApiCall,
    { ...env, AUTH0_CLIENT_SECRET: CLIENT_SECRET },
    '/test-api-call',
  );
  const neither = { ...env };
  delete neither.AUTH0_CLIENT_ASSERTION_KEY;
  const none = await invoke(testApiCall, neither, '/test-api-call');

  for (const answer of [both, none]) {
    expect(answer.status).toBe(500);
    expect(answer.body.error.code).toBe('CONFIG_INVALID');
    expect(answer.body.error.message).toContain('AUTH0_CLIENT_SECRET');
    expect(answer.body.error.message).toContain('AUTH0_CLIENT_ASSERTION_KEY');
    expect(answer.text).not.toContain(CLIENT_SECRET);
  }
  expect(both.body.error.message).toContain('both set');
  expect(none.body.error.message).toContain('both missing');
  expect(auth0.requests).toHaveLength(0);
});

it.each([
  ['RS256', undefined],
  ['RS384', 'cred-rs384'],
  ['PS256', 'cred_PS256'],
])(
  'FK2: with the key configured (%s, kid %s) no secret is sent, and the assertion verifies with jose against the public key alone',
  async (alg, kid) => {
    const { auth0, env } = await setUp({
      AUTH0_CLIENT_ASSERTION_ALG: alg,
      ...(kid ? { AUTH0_CLIENT_ASSERTION_KID: kid } : {}),
    });
    const answer = await invoke(testApiCall, env, '/test-api-call');

    expect(answer.status).toBe(200);
    expect(auth0.requests).toHaveLength(1);
    const { params, rawBody } = auth0.requests[0]!;
    expect(params).not.toHaveProperty('client_secret');
    expect(rawBody).not.toContain('secret');
    expect(params.client_assertion_type).toBe(
      'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    );
    const { payload, protectedHeader } = await jwtVerify(
      params.client_assertion!,
      clientKey.publicKey,
      {
        algorithms: [alg],
        issuer: CLIENT_ID,
        subject: CLIENT_ID,
        audience: auth0.url, // the token URL's origin with its trailing slash
      },
    );
    expect(auth0.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(protectedHeader.kid).toBe(kid);
    expect(payload.jti).toMatch(UUID);
    expect(payload.exp! - payload.iat!).toBe(60);
    expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(120);
  },
);

it('FK3: a retry after a 5xx sends a new assertion with a fresh jti', async () => {
  const { auth0, env } = await setUp();
  auth0.failNext(500);
  const answer = await invoke(testApiCall, env, '/test-api-call');

  expect(answer.status).toBe(200);
  expect(auth0.requests.map((r) => r.status)).toEqual([500, 200]);
  const [first, second] = auth0.requests.map((r) => r.params.client_assertion);
  expect(second).not.toBe(first);
  const jtis = await Promise.all(
    [first, second].map(async (a) => (await jwtVerify(a!, clientKey.publicKey)).payload.jti),
  );
  expect(new Set(jtis).size).toBe(2);
});

it('FK4: an assertion Auth0 refuses (401) → 502 TOKEN_REQUEST_REJECTED naming the likely causes, not retried', async () => {
  const other = rsaTestKey();
  const { auth0, env } = await setUp({}, other.publicKey);
  const answer = await invoke(testApiCall, env, '/test-api-call');

  expect(answer.status).toBe(502);
  expect(answer.body.error.code).toBe('TOKEN_REQUEST_REJECTED');
  expect(answer.body.error.message).toContain('401 access_denied');
  expect(answer.body.error.message).toContain('client assertion was refused');
  expect(answer.body.error.message).toContain('AUTH0_CLIENT_ASSERTION_KID');
  expect(answer.body.error.message).toContain('Private Key JWT');
  expect(auth0.requests).toHaveLength(1);
});

it('FK5: a malformed assertion key, algorithm or kid → 500 CONFIG_INVALID naming the variable, never its value', async () => {
  const { auth0, env } = await setUp();
  const weak = rsaTestKey(1024);
  const ec = dpopKey;
  const rsaPublic = clientKey.publicKey.export({ format: 'pem', type: 'spki' }).toString();
  const pkcs1 = clientKey.privateKey.export({ format: 'pem', type: 'pkcs1' }).toString();
  const cases: Array<[string, string]> = [
    ['AUTH0_CLIENT_ASSERTION_KEY', 'SeCrEt not a key'],
    ['AUTH0_CLIENT_ASSERTION_KEY', weak.pemLine],
    ['AUTH0_CLIENT_ASSERTION_KEY', ec.jwkLine],
    ['AUTH0_CLIENT_ASSERTION_KEY', rsaPublic],
    ['AUTH0_CLIENT_ASSERTION_KEY', pkcs1],
    ['AUTH0_CLIENT_ASSERTION_ALG', 'HS256'],
    ['AUTH0_CLIENT_ASSERTION_ALG', 'none'],
    ['AUTH0_CLIENT_ASSERTION_ALG', 'ES256'],
    ['AUTH0_CLIENT_ASSERTION_KID', 'SeCrEt with spaces'],
  ];
  for (const [name, value] of cases) {
    const answer = await invoke(testApiCall, { ...env, [name]: value }, '/test-api-call');
    expect({ name, status: answer.status }).toEqual({ name, status: 500 });
    expect(answer.body.error).toMatchObject({ code: 'CONFIG_INVALID', variable: name });
    expect(answer.body.error.message).toContain(name);
    expect(answer.text).not.toContain('SeCrEt');
    for (const part of [...weak.secretParts, ...clientKey.secretParts, ...ec.secretParts]) {
      expect(answer.text).not.toContain(part);
    }
  }
  // A JWK private key works as well as the PEM.
  const jwk = await invoke(
    testApiCall,
    { ...env, AUTH0_CLIENT_ASSERTION_KEY: clientKey.jwkLine },
    '/test-api-call',
  );
  expect(jwk.status).toBe(200);
  expect(logs.lines.join('\n')).not.toContain('SeCrEt');
  expect(auth0.requests).toHaveLength(1);
});

it('FK7: no DPoP private key, assertion key, assertion or proof in any answer, log line or Sync document', async () => {
  logs = perTest.captureLogs();
  const auth0 = await startVerifyingAuth0({
    clientId: CLIENT_ID,
    clientPublicKey: clientKey.publicKey,
    audience: AUDIENCE,
  });
  const api = await startDpopApi(auth0, AUDIENCE);
  const failing = await startScriptedApi(() => ({ status: 500, body: { error: 'internal' } }));
  const refusing = await startVerifyingAuth0({
    clientId: CLIENT_ID,
    clientPublicKey: rsaTestKey().publicKey,
    audience: AUDIENCE,
  });
  perTest.closers.push(auth0.close, api.close, failing.close, refusing.close);
  const env = functionEnv(auth0, perTest.sync, api.url, {
    AUTH0_CLIENT_ASSERTION_KEY: clientKey.pemLine,
    DPOP_PRIVATE_KEY: dpopKey.jwkLine,
  });
  delete env.AUTH0_CLIENT_SECRET;

  const answers: Answer[] = [
    await invoke(testApiCall, env, '/test-api-call'),
    await invoke(testApiCall, env, '/test-api-call', eventFor({}, { accept: 'text/html' })),
    await invoke(
      customerLookup,
      env,
      '/customer-lookup',
      signedEvent('/customer-lookup', { phone: '+15005550099' }),
    ),
    await invoke(testApiCall, { ...env, API_BASE_URL: failing.url }, '/test-api-call'),
    await invoke(
      testApiCall,
      functionEnv(refusing, perTest.sync, api.url, {
        AUTH0_CLIENT_ASSERTION_KEY: clientKey.jwkLine,
        DPOP_PRIVATE_KEY: dpopKey.pemLine,
        AUTH0_CLIENT_SECRET: '',
      }),
      '/test-api-call',
      eventFor({}, { accept: 'text/html' }),
    ),
  ];
  expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 502, 502]);

  const assertions = [...auth0.requests, ...refusing.requests].map(
    (r) => r.params.client_assertion!,
  );
  const proofs = [
    ...auth0.requests.map((r) => String(r.headers.dpop)),
    ...api.calls.map((c) => c.proof!),
  ];
  expect(assertions.length).toBeGreaterThanOrEqual(2);
  expect(proofs.length).toBeGreaterThanOrEqual(4);
  const secrets = [
    ...clientKey.secretParts,
    ...dpopKey.secretParts,
    ...assertions.map((a) => a.split('.')[2]!),
    ...proofs.map((p) => p.split('.')[2]!),
  ];
  const documents = perTest.sync.documents(SERVICE_SID).map((d) => JSON.stringify(d.data));
  const everything = [
    ...answers.map((a) => `${a.text}\n${JSON.stringify(a.headers)}`),
    ...logs.lines,
    ...documents,
  ];
  expect(logs.lines.length).toBeGreaterThanOrEqual(answers.length);
  for (const text of everything) {
    for (const secret of secrets) expect(text).not.toContain(secret);
  }
  // The proofs carried only the public key.
  for (const proof of proofs) expect(decodeProtectedHeader(proof).jwk).not.toHaveProperty('d');
});
