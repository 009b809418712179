// The token cache against a hostile Sync client and a misconfigured API: the real handler runs
// against the Auth0 and Sync stand-ins and a scripted API. Documents are planted with the real
// twilio SDK, as any Sync client of the service could. "Another container" is the function loaded
// again in a fresh module registry (support/fresh-container.ts).
import { randomBytes } from 'node:crypto';
import { expect, it } from '@jest/globals';
import { startSyncStandIn } from 'local-stack';
import { handler } from '../src/functions/test-api-call';
import { AUDIENCE, functionEnv, tokenFromStandIn } from './support/env';
import { useFunctionFixture } from './support/function-fixture';
import { handlerInFreshContainer } from './support/fresh-container';
import { eventFor, invoke, type Env } from './support/invoke';
import {
  answerLikeSecureApi,
  claimsOf,
  invalidToken,
  startScriptedApi,
  type ScriptedReply,
} from './support/scripted-api';
import {
  cacheDocument,
  DOCUMENT_FORMAT,
  documentData,
  leaseDocument,
  replaceDocument,
  seedCachedToken,
  seedDocument,
  timesOf,
} from './support/sync-documents';

const fixture = useFunctionFixture();

const YEAR_2099 = Date.parse('2099-01-01T00:00:00Z');

/** An unsigned JWT with these claims: the cache reads claims, it never verifies them. */
function unsignedJwt(claims: Record<string, unknown>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.c2lnbmF0dXJl`;
}

async function invokeTimes(count: number, env: Env, call = handler) {
  const answers = [];
  for (let i = 0; i < count; i += 1) answers.push(await invoke(call, env, '/test-api-call'));
  return answers;
}

function scopesOf(token: string | undefined): string[] {
  const scope = claimsOf(token).scope;
  return typeof scope === 'string' ? scope.split(' ') : [];
}

const insufficientScope: ScriptedReply = {
  status: 403,
  body: { statusCode: 403, error: 'insufficient_scope', message: 'Missing scope' },
  headers: { 'www-authenticate': 'Bearer realm="secure-api", error="insufficient_scope"' },
};

it('HC1: a lease that never ends plus a garbage token is replaced at once: 1 token request for 10 containers', async () => {
  const env = fixture.env();
  await seedDocument(fixture.sync, env.TWILIO_SYNC_TOKEN_DOC!, {
    ...cacheDocument('garbage', AUDIENCE, { fetchedAt: Date.now(), expiresAt: YEAR_2099 }),
    refreshing_until: new Date(YEAR_2099).toISOString(),
  });
  // Like secure-api, the API refuses what is not a token.
  const api = await startScriptedApi((call) =>
    call.token === 'garbage' ? invalidToken : answerLikeSecureApi(call, 0),
  );
  try {
    fixture.auth0.resetCounters();
    const answers = [];
    for (let i = 0; i < 10; i += 1) {
      const container = handlerInFreshContainer('test-api-call');
      answers.push(await invoke(container, { ...env, API_BASE_URL: api.url }, '/test-api-call'));
    }

    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(fixture.auth0.counters().tokenRequests).toBe(1);
    expect(answers.map((a) => a.body.token.source)).toEqual(['auth0', ...Array(9).fill('sync')]);
    expect(api.calls.map((c) => c.token)).not.toContain('garbage');
    const data = documentData(fixture.sync, env.TWILIO_SYNC_TOKEN_DOC!);
    expect(data?.refreshing_until).toBeNull();
    expect(data?.access_token).toBe(api.calls.at(-1)!.token);
    expect(fixture.logs.records()[0]?.events).toContain('sync_document_unbounded_lease');
  } finally {
    await api.close();
  }
}, 120_000);

it('HC1: a cool-down further ahead than this service ever sets one is replaced too', async () => {
  const env = fixture.env();
  await seedDocument(fixture.sync, env.TWILIO_SYNC_TOKEN_DOC!, {
    ...leaseDocument(AUDIENCE, Date.now() - 1000),
    api_rejects_until: new Date(YEAR_2099).toISOString(),
  });
  fixture.auth0.resetCounters();
  const answer = await invoke(handler, env, '/test-api-call');

  expect(answer.status).toBe(200);
  expect(fixture.auth0.counters().tokenRequests).toBe(1);
  expect(documentData(fixture.sync, env.TWILIO_SYNC_TOKEN_DOC!)?.api_rejects_until).toBeNull();
});

it('HC2: a cached token that is not what Auth0 issues for this service is never sent, and is replaced', async () => {
  const real = await tokenFromStandIn(fixture.auth0.tokenUrl);
  const claims = claimsOf(real);
  const exp = claims.exp as number;
  const planted: Array<[string, string, { fetchedAt: number; expiresAt: number }]> = [
    ['not a JWT', 'opaque-planted-token', timesOf(real)],
    ['expires_at later than its exp', real, { fetchedAt: Date.now(), expiresAt: YEAR_2099 }],
    [
      'for another API',
      unsignedJwt({ ...claims, aud: 'https://other-api.example' }),
      timesOf(real),
    ],
    [
      'from another issuer',
      unsignedJwt({ ...claims, iss: 'https://evil.example/' }),
      timesOf(real),
    ],
    ['exp disagreeing', unsignedJwt({ ...claims, exp: exp + 86400 * 365 }), timesOf(real)],
  ];
  for (const [why, token, times] of planted) {
    const env = fixture.env();
    await seedCachedToken(fixture.sync, env, token, times);
    fixture.auth0.resetCounters();
    const before = fixture.api.calls.length;
    const answer = await invoke(handler, env, '/test-api-call');

    expect({ why, status: answer.status, source: answer.body.token.source }).toEqual({
      why,
      status: 200,
      source: 'auth0',
    });
    expect(fixture.auth0.counters().tokenRequests).toBe(1);
    const sent = fixture.api.calls.slice(before).map((c) => c.token);
    expect(sent.includes(token) && token !== real ? why : 'not sent').toBe('not sent');
    expect(documentData(fixture.sync, env.TWILIO_SYNC_TOKEN_DOC!)?.access_token).toBe(sent[0]);
  }
});

it('HC3: a token the API rejected is never used again by the container, even when planted back in Sync', async () => {
  const env = fixture.env();
  const rejected = await tokenFromStandIn(fixture.auth0.tokenUrl);
  await seedCachedToken(fixture.sync, env, rejected);
  const picky = await startScriptedApi((call) =>
    call.token === rejected ? invalidToken : answerLikeSecureApi(call, 0),
  );
  try {
    const pickyEnv = { ...env, API_BASE_URL: picky.url };
    // The replacement lives 6 s (the shortest a token response may give): once it is inside its
    // refresh margin, the container reads the document again.
    fixture.auth0.setTokenLifetime(6);
    const first = await invoke(handler, pickyEnv, '/test-api-call');
    fixture.auth0.setTokenLifetime(86400);
    const due =
      Date.parse(String(documentData(fixture.sync, env.TWILIO_SYNC_TOKEN_DOC!)?.expires_at)) - 300;
    await replaceDocument(
      fixture.sync,
      env.TWILIO_SYNC_TOKEN_DOC!,
      cacheDocument(rejected, AUDIENCE),
    );
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - Date.now())));
    const second = await invoke(handler, pickyEnv, '/test-api-call');
    await invoke(handler, pickyEnv, '/test-api-call');

    expect([first.status, second.status]).toEqual([200, 200]);
    expect(picky.calls.filter((c) => c.token === rejected)).toHaveLength(1);
    expect(documentData(fixture.sync, env.TWILIO_SYNC_TOKEN_DOC!)?.access_token).not.toBe(rejected);
  } finally {
    await picky.close();
  }
});

it('HC4: with TOKEN_CACHE_KEY, any edit of the document (lease, fields, ciphertext) is detected and the document rewritten', async () => {
  const env = fixture.env({ TOKEN_CACHE_KEY: randomBytes(32).toString('base64') });
  await invoke(handler, env, '/test-api-call');
  const sealed = documentData(fixture.sync, env.TWILIO_SYNC_TOKEN_DOC!)!;
  expect(Object.keys(sealed).sort()).toEqual(['format', 'sealed']);
  const text = String(sealed.sealed);
  const flipped = `${text.slice(0, -2)}${text.at(-2) === 'A' ? 'B' : 'A'}${text.at(-1)}`;
  const edits: Array<[string, object]> = [
    [
      'a lease added beside the seal',
      { ...sealed, refreshing_until: new Date(YEAR_2099).toISOString() },
    ],
    ['the ciphertext changed', { ...sealed, sealed: flipped }],
    [
      'a plaintext document',
      cacheDocument(await tokenFromStandIn(fixture.auth0.tokenUrl), AUDIENCE),
    ],
  ];
  for (const [why, data] of edits) {
    await replaceDocument(fixture.sync, env.TWILIO_SYNC_TOKEN_DOC!, data);
    fixture.auth0.resetCounters();
    // Another container: its memory is empty, so it reads the edited document.
    const answer = await invoke(handlerInFreshContainer('test-api-call'), env, '/test-api-call');

    expect({ why, status: answer.status, source: answer.body.token.source }).toEqual({
      why,
      status: 200,
      source: 'auth0',
    });
    expect(fixture.auth0.counters().tokenRequests).toBe(1);
    const rewritten = documentData(fixture.sync, env.TWILIO_SYNC_TOKEN_DOC!)!;
    expect(Object.keys(rewritten).sort()).toEqual(['format', 'sealed']);
    expect(rewritten.sealed).not.toBe(sealed.sealed);
  }
});

it('HC5: a 403 insufficient_scope on a token not fetched here in the last minute causes one refetch', async () => {
  const env = fixture.env();
  // A valid token, but narrower than the grant (planted, or issued before a new permission).
  const narrow = await tokenFromStandIn(fixture.auth0.tokenUrl, 'read:customers');
  await seedCachedToken(fixture.sync, env, narrow);
  const needsWrite = await startScriptedApi((call) =>
    scopesOf(call.token).includes('write:interactions')
      ? answerLikeSecureApi(call, 0)
      : insufficientScope,
  );
  try {
    fixture.auth0.resetCounters();
    const answers = await invokeTimes(3, { ...env, API_BASE_URL: needsWrite.url });

    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(fixture.auth0.counters().tokenRequests).toBe(1);
    expect(needsWrite.calls.map((c) => c.token === narrow)).toEqual([true, false, false, false]);
    expect(documentData(fixture.sync, env.TWILIO_SYNC_TOKEN_DOC!)?.access_token).not.toBe(narrow);
  } finally {
    await needsWrite.close();
  }
});

it('HC6: a 403 insufficient_scope on a token fetched here just now is not retried: 502 API_FORBIDDEN, 1 token request', async () => {
  const env = fixture.env();
  const forbidding = await fixture.scriptedApi(() => insufficientScope);
  fixture.auth0.resetCounters();
  const answer = await invoke(handler, { ...env, API_BASE_URL: forbidding.url }, '/test-api-call');

  expect(answer.status).toBe(502);
  expect(answer.body.error.code).toBe('API_FORBIDDEN');
  expect(forbidding.calls).toHaveLength(1);
  expect(fixture.auth0.counters().tokenRequests).toBe(1);
});

it('HC7: 100 invocations against an API that rejects every token make at most 2 token requests, across containers too', async () => {
  const env = fixture.env();
  const rejectAll = await fixture.scriptedApi(() => invalidToken);
  const rejecting = { ...env, API_BASE_URL: rejectAll.url };
  fixture.auth0.resetCounters();
  const answers = await invokeTimes(100, rejecting);

  expect(new Set(answers.map((a) => `${a.status} ${a.body.error.code}`))).toEqual(
    new Set(['502 API_UNAUTHORIZED']),
  );
  expect(fixture.auth0.counters().tokenRequests).toBeLessThanOrEqual(2);
  expect(rejectAll.calls.length).toBeLessThanOrEqual(2);
  expect(answers[1]!.body.error.coolDownEndsAt).toEqual(expect.any(String));
  const data = documentData(fixture.sync, env.TWILIO_SYNC_TOKEN_DOC!);
  expect(data?.access_token).toBeUndefined();
  expect(Date.parse(String(data?.api_rejects_until))).toBeGreaterThan(Date.now());

  // Another container learns the cool-down from the document: no token request, no API call.
  const before = fixture.auth0.counters().tokenRequests;
  const elsewhere = await invokeTimes(10, rejecting, handlerInFreshContainer('test-api-call'));
  expect(elsewhere.every((a) => a.body.error?.code === 'API_UNAUTHORIZED')).toBe(true);
  expect(fixture.auth0.counters().tokenRequests).toBe(before);
});

it('HC8: the diagnosis page says which settings on which side to compare when the API rejects fresh tokens', async () => {
  const env = fixture.env();
  const rejectAll = await fixture.scriptedApi(() => invalidToken);
  const page = await invoke(
    handler,
    { ...env, API_BASE_URL: rejectAll.url },
    '/test-api-call',
    eventFor({}, { accept: 'text/html' }),
  );
  expect(page.status).toBe(502);
  expect(page.text).toContain('API_UNAUTHORIZED');
  expect(page.text).toContain('AUTH0_ISSUER_URL');
  expect(page.text).toContain('AUTH0_AUDIENCE');
  expect(page.text).toContain('coolDownEndsAt');
});

it('HC9: a cached token bound to another DPoP key, or a DPoP token with no key configured, is not used: exactly one new token', async () => {
  const real = await tokenFromStandIn(fixture.auth0.tokenUrl);
  const bindings = [
    { token_type: 'Bearer', bound_key: 'thumbprint-of-a-former-key' },
    { token_type: 'DPoP', bound_key: null },
  ];
  for (const binding of bindings) {
    const env = fixture.env();
    await seedDocument(fixture.sync, env.TWILIO_SYNC_TOKEN_DOC!, {
      ...cacheDocument(real, AUDIENCE),
      ...binding,
    });
    fixture.auth0.resetCounters();
    const answers = await invokeTimes(2, env);

    expect(answers.map((a) => [a.status, a.body.token.source])).toEqual([
      [200, 'auth0'],
      [200, 'memory'],
    ]);
    expect(fixture.auth0.counters().tokenRequests).toBe(1);
    expect(documentData(fixture.sync, env.TWILIO_SYNC_TOKEN_DOC!)).toMatchObject({
      format: DOCUMENT_FORMAT,
      token_type: 'Bearer',
      bound_key: null,
    });
  }
});

it('HC10: Sync hung: a direct fetch is not followed by a publish (no extra Sync read or write)', async () => {
  const env = fixture.env();
  fixture.sync.injectFault({ kind: 'slow', count: 10, delayMs: 6000 });
  const answer = await invoke(handler, env, '/test-api-call');

  expect(answer.status).toBe(200);
  expect(answer.body.token.source).toBe('auth0');
  // The read and its one retry, nothing after the fetch.
  expect(fixture.sync.counters().requests).toBe(2);
}, 60_000);

it('HC11: a waiter stops polling a Sync that fails outright and fetches for itself', async () => {
  const sync = await startSyncStandIn();
  try {
    const env = functionEnv(fixture.auth0, sync, fixture.api.url);
    await seedDocument(
      sync,
      env.TWILIO_SYNC_TOKEN_DOC!,
      leaseDocument(AUDIENCE, Date.now() + 9000),
    );
    sync.resetCounters();
    fixture.auth0.resetCounters();
    // The first read succeeds (the lease is held elsewhere), then Sync answers 503 to everything.
    sync.injectFault({ kind: 'slow', count: 1, delayMs: 0 });
    sync.injectFault({ kind: 'unavailable', count: 100 });
    const answer = await invoke(handler, env, '/test-api-call');

    expect(answer.status).toBe(200);
    expect(answer.body.token).toMatchObject({ source: 'auth0', waited: true });
    expect(fixture.auth0.counters().tokenRequests).toBe(1);
    expect(sync.counters().requests).toBe(2);
  } finally {
    await sync.close();
  }
});
