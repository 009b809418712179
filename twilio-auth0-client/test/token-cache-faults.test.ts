// Section D of bad-input-and-faults.md: the token cache under races and faults. The real handler
// runs against the Auth0 and Sync stand-ins and a scripted API. Races between separate processes
// (D37 with many invocations) are in twilio-run.test.ts; here concurrent invocations share one
// process, as in one warm container.
import { expect, it, jest } from '@jest/globals';
import twilio from 'twilio';
import { startSyncStandIn } from 'local-stack';
import { handler } from '../src/functions/test-api-call';
import { handler as lookup } from '../src/functions/customer-lookup.protected';
import {
  ACCOUNT_SID,
  AUDIENCE,
  AUTH_TOKEN,
  functionEnv,
  SERVICE_SID,
  tokenFromStandIn,
} from './support/env';
import { useFunctionFixture } from './support/function-fixture';
import { eventFor, invoke, type Answer, type Env } from './support/invoke';
import { answerLikeSecureApi, invalidToken, startScriptedApi } from './support/scripted-api';
import {
  cacheDocument,
  DOCUMENT_FORMAT,
  documentData,
  type DocumentTimes,
  leaseDocument,
  replaceDocument,
  seedCachedToken,
  seedDocument,
  timesOf,
} from './support/sync-documents';
import { waitUntil } from './support/wait-until';

const fixture = useFunctionFixture();

/**
 * The stand-in's tokens carry no jti: two fetched in the same second with the same lifetime are
 * the same bytes. Changing the lifetime makes the next token differ.
 */
function nextTokenDiffers(): void {
  fixture.auth0.setTokenLifetime(86400 - Math.floor(Math.random() * 1000) - 1);
}

/** A real token from the stand-in, seeded into `env`'s document (times: the token's own). */
async function seedStandInToken(env: Env, times?: DocumentTimes): Promise<string> {
  const token = await tokenFromStandIn(fixture.auth0.tokenUrl);
  await seedCachedToken(fixture.sync, env, token, times);
  return token;
}

it('D36: a missing document is created holding the token, expires_at and fetched_at', async () => {
  const env = fixture.env();
  const answer = await invoke(handler, env, '/test-api-call');

  expect(answer.status).toBe(200);
  const data = documentData(fixture.sync, env.TWILIO_SYNC_TOKEN_DOC!);
  expect(data).toMatchObject({
    format: DOCUMENT_FORMAT,
    audience: AUDIENCE,
    access_token: expect.any(String),
    refreshing_until: null,
  });
  expect(Date.parse(String(data?.expires_at))).toBeGreaterThan(Date.now());
  expect(Date.parse(String(data?.fetched_at))).toBeLessThanOrEqual(Date.now());
  expect(fixture.sync.counters().creates).toBe(1);
});

it("D36: two creates racing: the loser re-reads and uses the winner's token", async () => {
  const env = fixture.env();
  // Both first reads are held, so both find no document and both try to create it.
  fixture.sync.injectFault({ kind: 'slow', count: 2, delayMs: 300 });
  const [a, b] = await Promise.all([
    invoke(handler, env, '/test-api-call'),
    invoke(handler, env, '/test-api-call'),
  ]);

  expect([a.status, b.status]).toEqual([200, 200]);
  expect(fixture.sync.counters().conflicts).toBeGreaterThanOrEqual(1);
  expect(fixture.auth0.counters().tokenRequests).toBe(1);
  expect(a.body.token.fingerprint).toBe(b.body.token.fingerprint);
  expect([a.body.token.source, b.body.token.source].sort()).toEqual(['auth0', 'sync']);
  expect(fixture.logs.records().flatMap((r) => r.events ?? [])).toContain('create_race_lost');
});

it('D37: concurrent refreshes of an expired token: one claims it (If-Match), the stale losers re-read', async () => {
  const env = fixture.env();
  const now = Date.now();
  await seedDocument(
    fixture.sync,
    env.TWILIO_SYNC_TOKEN_DOC!,
    cacheDocument('expired.token.value', AUDIENCE, {
      fetchedAt: now - 7200_000,
      expiresAt: now - 60_000,
    }),
  );
  fixture.sync.resetCounters();
  // Hold the first reads so that every invocation sees the same expired revision.
  fixture.sync.injectFault({ kind: 'slow', count: 5, delayMs: 300 });
  const answers = await Promise.all(
    Array.from({ length: 5 }, () => invoke(handler, env, '/test-api-call')),
  );

  expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
  expect(fixture.auth0.counters().tokenRequests).toBe(1);
  expect(new Set(answers.map((a) => a.body.token.fingerprint)).size).toBe(1);
  expect(fixture.sync.counters().conflicts).toBeGreaterThanOrEqual(1);
  expect(fixture.logs.records().flatMap((r) => r.events ?? [])).toContain('claim_race_lost');
});

it('D38: corrupt, wrong-shaped or foreign document content is refreshed and overwritten', async () => {
  const now = Date.now();
  const spoiled: object[] = [
    { garbage: true },
    {
      format: DOCUMENT_FORMAT,
      audience: AUDIENCE,
      access_token: 42,
      expires_at: 'soon',
      fetched_at: 'x',
    },
    cacheDocument('token.for.another.api', 'https://other-api.example', {
      fetchedAt: now,
      expiresAt: now + 3600_000,
    }),
    { format: 'something-else/v9', token: 'abc' },
  ];
  for (const data of spoiled) {
    fixture.auth0.resetCounters();
    const env = fixture.env();
    await seedDocument(fixture.sync, env.TWILIO_SYNC_TOKEN_DOC!, data);
    const answer = await invoke(handler, env, '/test-api-call');
    expect(answer.status).toBe(200);
    expect(answer.body.token.source).toBe('auth0');
    expect(fixture.auth0.counters().tokenRequests).toBe(1);
    expect(documentData(fixture.sync, env.TWILIO_SYNC_TOKEN_DOC!)).toMatchObject({
      format: DOCUMENT_FORMAT,
      audience: AUDIENCE,
      access_token: expect.any(String),
    });
  }
});

it('D38: a token past expires_at is refreshed even while Sync still keeps the document', async () => {
  const env = fixture.env();
  const now = Date.now();
  // The Sync TTL (an hour) has not removed it: only expires_at says it is dead.
  fixture.auth0.setTokenLifetime(1);
  const expiring = await tokenFromStandIn(fixture.auth0.tokenUrl);
  fixture.auth0.setTokenLifetime(86400);
  const times = { fetchedAt: now - 90_000, expiresAt: timesOf(expiring).expiresAt };
  await seedCachedToken(fixture.sync, env, expiring, times);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, times.expiresAt - Date.now())));
  fixture.auth0.resetCounters();
  const answer = await invoke(handler, env, '/test-api-call');

  expect(answer.status).toBe(200);
  expect(answer.body.token.source).toBe('auth0');
  expect(fixture.auth0.counters().tokenRequests).toBe(1);
  expect(
    Date.parse(String(documentData(fixture.sync, env.TWILIO_SYNC_TOKEN_DOC!)?.expires_at)),
  ).toBeGreaterThan(now);
});

it('D38: a token inside its refresh margin is still used, while this invocation refreshes it', async () => {
  const env = fixture.env();
  const now = Date.now();
  // A token whose exp is 5 s away, fetched 95 s ago: inside the 10 s margin, outside the 2 s
  // safety window.
  fixture.auth0.setTokenLifetime(5);
  const current = await tokenFromStandIn(fixture.auth0.tokenUrl);
  fixture.auth0.setTokenLifetime(86400);
  const times = { fetchedAt: now - 95_000, expiresAt: timesOf(current).expiresAt };
  await seedCachedToken(fixture.sync, env, current, times);
  fixture.auth0.resetCounters();
  const apiCallsBefore = fixture.api.calls.length;
  const answer = await invoke(handler, env, '/test-api-call');

  expect(answer.status).toBe(200);
  expect(answer.body.token.source).toBe('sync');
  expect(answer.body.token.waited).toBe(false);
  expect(fixture.api.calls[apiCallsBefore]?.token).toBe(current);
  expect(fixture.auth0.counters().tokenRequests).toBe(1);
  const data = documentData(fixture.sync, env.TWILIO_SYNC_TOKEN_DOC!);
  expect(Date.parse(String(data?.expires_at))).toBeGreaterThan(now + 3600_000);
  expect(data?.refreshing_until).toBeNull();
  expect(fixture.logs.records()[0]?.events).toEqual(
    expect.arrayContaining(['refresh_ahead_claimed', 'refresh_ahead_done']),
  );
});

it('D39: Sync down: the call succeeds with a directly fetched token, and memory stops refetching', async () => {
  const env = fixture.env();
  fixture.sync.injectFault({ kind: 'unavailable', count: 100 });
  const first = await invoke(handler, env, '/test-api-call');
  const second = await invoke(handler, env, '/test-api-call');
  const third = await invoke(handler, env, '/test-api-call');

  expect([first.status, second.status, third.status]).toEqual([200, 200, 200]);
  expect(first.body.token.source).toBe('auth0');
  expect(second.body.token.source).toBe('memory');
  expect(third.body.token.source).toBe('memory');
  expect(fixture.auth0.counters().tokenRequests).toBe(1);
  expect(fixture.logs.records()[0]?.events).toContain('sync_unavailable');
});

it('D39: Sync slow (past its per-call timeout, read after read): the call still succeeds with a direct fetch', async () => {
  const env = fixture.env();
  fixture.sync.injectFault({ kind: 'slow', count: 10, delayMs: 4000 });
  const first = await invoke(handler, env, '/test-api-call');
  const second = await invoke(handler, env, '/test-api-call');

  expect(first.status).toBe(200);
  expect(first.body.token.source).toBe('auth0');
  expect(second.body.token.source).toBe('memory');
  expect(fixture.auth0.counters().tokenRequests).toBe(1);
  expect(fixture.logs.records()[0]?.events).toEqual(
    expect.arrayContaining(['sync_read_retry', 'sync_unavailable', 'token_fetched_without_sync']),
  );
});

it('D39: a Sync read that times out is read again before fetching: the token in Sync is used', async () => {
  const env = fixture.env();
  const current = await seedStandInToken(env);
  fixture.auth0.resetCounters();
  // Only the first read is slow (a busy host, not a Sync outage): its timeout is no reason to
  // spend a token from the customer's quota.
  fixture.sync.injectFault({ kind: 'slow', count: 1, delayMs: 4000 });
  const answer = await invoke(handler, env, '/test-api-call');

  expect(answer.status).toBe(200);
  expect(answer.body.token.source).toBe('sync');
  expect(fixture.auth0.counters().tokenRequests).toBe(0);
  expect(fixture.api.calls.at(-1)?.token).toBe(current);
  expect(fixture.logs.records()[0]?.events).toContain('sync_read_retry');
});

/**
 * A waiter's scene: a Sync of its own (the test follows the waiter by that server's counters)
 * holding a lease another invocation took; `deliver` stores that invocation's token.
 */
async function leaseHeldElsewhere(leaseMs: number) {
  const sync = await startSyncStandIn();
  const env = functionEnv(fixture.auth0, sync, fixture.api.url);
  const now = Date.now();
  const delivered = await tokenFromStandIn(fixture.auth0.tokenUrl);
  await seedDocument(sync, env.TWILIO_SYNC_TOKEN_DOC!, leaseDocument(AUDIENCE, now + leaseMs));
  fixture.auth0.resetCounters();
  sync.resetCounters();
  const deliver = () =>
    replaceDocument(sync, env.TWILIO_SYNC_TOKEN_DOC!, cacheDocument(delivered, AUDIENCE));
  return { sync, env, delivered, deliver };
}

/** The waiter answered with the refresher's token, from Sync, without a token request. */
function expectDeliveredTokenUsed(answer: Answer, delivered: string): void {
  expect(answer.status).toBe(200);
  expect(answer.body.token).toMatchObject({ source: 'sync', waited: true });
  expect(fixture.auth0.counters().tokenRequests).toBe(0);
  expect(fixture.api.calls.at(-1)?.token).toBe(delivered);
}

it("D37: a waiter whose poll of Sync times out keeps waiting for the refresher's token", async () => {
  const scene = await leaseHeldElsewhere(7000);
  try {
    // The first read finds the lease; the waiter's first poll hangs past its timeout.
    scene.sync.injectFault({ kind: 'slow', count: 1, delayMs: 0 });
    scene.sync.injectFault({ kind: 'slow', count: 1, delayMs: 4000 });
    const invocation = invoke(handler, scene.env, '/test-api-call');
    // The refresher delivers while the waiter's poll is stuck.
    await waitUntil(() => scene.sync.counters().requests >= 2, 'the first poll reached Sync');
    await scene.deliver();
    expectDeliveredTokenUsed(await invocation, scene.delivered);
  } finally {
    await scene.sync.close();
  }
});

it('D37: a waiter keeps polling until its own give-up point, however the backoff jitter falls', async () => {
  const scene = await leaseHeldElsewhere(7500);
  // The longest pauses the jitter allows: the waiter's last backoff step would overshoot the
  // point where it must fetch for itself; it must shorten that pause, not give up early.
  const random = jest.spyOn(Math, 'random').mockReturnValue(0.999);
  try {
    const invocation = invoke(handler, scene.env, '/test-api-call');
    // The refresher delivers after the waiter's third poll (its first read and three polls).
    await waitUntil(() => scene.sync.counters().reads >= 4, 'the third poll was answered');
    await scene.deliver();
    expectDeliveredTokenUsed(await invocation, scene.delivered);
  } finally {
    random.mockRestore();
    await scene.sync.close();
  }
});

it('D37: a document that Sync expired between the read and the claim is created again, not taken for an outage', async () => {
  const env = fixture.env();
  const doc = env.TWILIO_SYNC_TOKEN_DOC!;
  const now = Date.now();
  // An expired token whose document Sync removes (TTL) a second from now.
  const client = twilio(ACCOUNT_SID, AUTH_TOKEN);
  client.sync.baseUrl = fixture.sync.url;
  await client.sync.v1.services(SERVICE_SID).documents.create({
    uniqueName: doc,
    data: cacheDocument('expired.token.value', AUDIENCE, {
      fetchedAt: now - 7200_000,
      expiresAt: now - 60_000,
    }),
    ttl: 1,
  });
  // The read is answered at once; the conditional claim reaches Sync after the document is gone.
  fixture.sync.injectFault({ kind: 'slow', count: 1, delayMs: 0 });
  fixture.sync.injectFault({ kind: 'slow', count: 1, delayMs: 1200 });
  const answer = await invoke(handler, env, '/test-api-call');

  expect(answer.status).toBe(200);
  expect(fixture.auth0.counters().tokenRequests).toBe(1);
  const events = fixture.logs.records()[0]?.events ?? [];
  expect(events).not.toContain('sync_unavailable');
  expect(events).not.toContain('token_fetched_without_sync');
  expect(documentData(fixture.sync, doc)).toMatchObject({
    access_token: fixture.api.calls.at(-1)?.token,
    refreshing_until: null,
  });
});

it('D40: the API rejects the cached token (401 invalid_token): drop it, fetch once, retry once', async () => {
  const env = fixture.env();
  // Another container fetched the token: its rejection is no sign of a misconfiguration.
  await seedStandInToken(env);
  const primed = await invoke(handler, env, '/test-api-call');
  const rejected = fixture.api.calls.at(-1)!.token;
  fixture.auth0.resetCounters();
  nextTokenDiffers();
  const picky = await startScriptedApi((call) =>
    call.token === rejected ? invalidToken : answerLikeSecureApi(call, 0),
  );
  try {
    const answer = await invoke(handler, { ...env, API_BASE_URL: picky.url }, '/test-api-call');
    expect(primed.status).toBe(200);
    expect(answer.status).toBe(200);
    expect(answer.body.token.fingerprint).not.toBe(primed.body.token.fingerprint);
    expect(picky.calls).toHaveLength(2);
    expect(fixture.auth0.counters().tokenRequests).toBe(1);
    expect(documentData(fixture.sync, env.TWILIO_SYNC_TOKEN_DOC!)?.access_token).toBe(
      picky.calls[1]!.token,
    );
  } finally {
    await picky.close();
  }
});

it('D40: a rejected token already replaced in Sync is not dropped again: the replacement is used', async () => {
  const env = fixture.env();
  const t1 = await seedStandInToken(env); // fetched by another container
  await invoke(handler, env, '/test-api-call'); // memory and Sync hold T1
  nextTokenDiffers();
  const t2 = await tokenFromStandIn(fixture.auth0.tokenUrl);
  // Another container already replaced T1 in Sync (with T2) after the API rejected T1 there.
  const data = documentData(fixture.sync, env.TWILIO_SYNC_TOKEN_DOC!)!;
  await replaceDocument(fixture.sync, env.TWILIO_SYNC_TOKEN_DOC!, {
    ...data,
    ...cacheDocument(t2, AUDIENCE),
  });
  fixture.auth0.resetCounters();
  const picky = await startScriptedApi((call) =>
    call.token === t1 ? invalidToken : answerLikeSecureApi(call, 0),
  );
  try {
    const answer = await invoke(handler, { ...env, API_BASE_URL: picky.url }, '/test-api-call');
    expect(answer.status).toBe(200);
    expect(answer.body.token.source).toBe('sync');
    expect(picky.calls.map((c) => c.token)).toEqual([t1, t2]);
    expect(fixture.auth0.counters().tokenRequests).toBe(0);
    expect(documentData(fixture.sync, env.TWILIO_SYNC_TOKEN_DOC!)?.access_token).toBe(t2);
  } finally {
    await picky.close();
  }
});

it('D40: never loops: a second 401 answers API_UNAUTHORIZED after one refetch and one retry', async () => {
  const env = fixture.env();
  await seedStandInToken(env); // fetched by another container
  fixture.auth0.resetCounters();
  nextTokenDiffers();
  const rejectAll = await fixture.scriptedApi(() => invalidToken);
  const answer = await invoke(handler, { ...env, API_BASE_URL: rejectAll.url }, '/test-api-call');
  expect(answer.status).toBe(502);
  expect(answer.body.error.code).toBe('API_UNAUTHORIZED');
  expect(answer.body.error.coolDownEndsAt).toEqual(expect.any(String));
  expect(rejectAll.calls).toHaveLength(2);
  expect(fixture.auth0.counters().tokenRequests).toBe(1);
});

it('D41: the API down or answering 5xx: a clear error code, and the token is NOT dropped', async () => {
  const env = fixture.env();
  await invoke(handler, env, '/test-api-call');
  fixture.auth0.resetCounters();

  const down = await startScriptedApi();
  const downUrl = down.url;
  await down.close(); // nothing listens there any more: connection refused
  const refused = await invoke(handler, { ...env, API_BASE_URL: downUrl }, '/test-api-call');
  expect(refused.status).toBe(503);
  expect(refused.body.error.code).toBe('API_UNAVAILABLE');

  const failing = await startScriptedApi(() => ({
    status: 500,
    body: { statusCode: 500, error: 'internal_error', message: 'boom' },
  }));
  try {
    const fiveHundred = await invoke(
      handler,
      { ...env, API_BASE_URL: failing.url },
      '/test-api-call',
    );
    expect(fiveHundred.status).toBe(502);
    expect(fiveHundred.body.error.code).toBe('API_ERROR');
    expect(failing.calls).toHaveLength(2); // a GET: one retry, no more
  } finally {
    await failing.close();
  }
  const jwksTrouble = await startScriptedApi(() => ({
    status: 503,
    body: { statusCode: 503, error: 'jwks_unavailable', message: 'keys unreachable' },
    headers: { 'retry-after': '5' },
  }));
  try {
    const unavailable = await invoke(
      lookup,
      { ...env, API_BASE_URL: jwksTrouble.url, VALIDATE_TWILIO_SIGNATURE: 'false' },
      '/customer-lookup',
      eventFor({ phone: '+15005550001' }),
    );
    expect(unavailable.status).toBe(503);
    expect(unavailable.body.error.code).toBe('API_UNAVAILABLE');
    expect(jwksTrouble.calls).toHaveLength(2);
  } finally {
    await jwksTrouble.close();
  }
  // The token survived all of it: still served from memory, no new token request.
  const after = await invoke(handler, env, '/test-api-call');
  expect(after.body.token.source).toBe('memory');
  expect(fixture.auth0.counters().tokenRequests).toBe(0);
});
