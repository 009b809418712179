// Section C of bad-input-and-faults.md: the token endpoint misbehaves. The real handler runs
// against the Auth0 stand-in (or a scripted token endpoint where the stand-in cannot play the
// fault), the Sync stand-in and a scripted API.
import { expect, it } from '@jest/globals';
import { handler } from '../src/functions/test-api-call';
import { functionEnv, READ_ONLY_CLIENT } from './support/env';
import { useFunctionFixture } from './support/function-fixture';
import { invoke } from './support/invoke';
import { startScriptedApi, type ScriptedReply } from './support/scripted-api';
import { documentData } from './support/sync-documents';

const fixture = useFunctionFixture({
  auth0: {
    clients: [
      READ_ONLY_CLIENT,
      { clientId: 'ungranted-client', clientSecret: 'ungranted-secret-123', grants: {} },
    ],
  },
});

/** A token endpoint that answers what the test scripts, counting requests. */
async function scriptedTokenEndpoint(reply: (index: number) => ScriptedReply) {
  const server = await startScriptedApi((_call, index) => reply(index));
  return { server, tokenUrl: `${server.url}/oauth/token` };
}

it('C30: a wrong client secret is not retried and answers TOKEN_REQUEST_REJECTED without the secret', async () => {
  const wrongSecret = 'wrong-secret-value-7f3a9c';
  const env = fixture.env({ AUTH0_CLIENT_SECRET: wrongSecret });
  const answer = await invoke(handler, env, '/test-api-call');

  expect(answer.status).toBe(502);
  expect(answer.body.error.code).toBe('TOKEN_REQUEST_REJECTED');
  expect(answer.body.error.message).toMatch(/401 (access_denied|invalid_client)/);
  expect(fixture.auth0.counters().tokenRequests).toBe(1);
  expect(fixture.api.calls).toHaveLength(0);
  const everything = [answer.text, ...fixture.logs.lines].join('\n');
  expect(everything).not.toContain(wrongSecret);
  expect(fixture.logs.records()[0]).toMatchObject({
    outcome: 'error',
    code: 'TOKEN_REQUEST_REJECTED',
  });
});

it('C31: other 4xx (unknown audience, audience not granted to the client) are not retried', async () => {
  const unknownAudience = fixture.env({
    AUTH0_AUDIENCE: 'https://unknown-api.example',
  });
  const notGranted = fixture.env({
    AUTH0_CLIENT_ID: 'ungranted-client',
    AUTH0_CLIENT_SECRET: 'ungranted-secret-123',
  });
  for (const env of [unknownAudience, notGranted]) {
    fixture.auth0.resetCounters();
    const answer = await invoke(handler, env, '/test-api-call');
    expect(answer.status).toBe(502);
    expect(answer.body.error.code).toBe('TOKEN_REQUEST_REJECTED');
    expect(answer.body.error.message).toContain('403 access_denied');
    expect(fixture.auth0.counters().tokenRequests).toBe(1);
  }
  const { server, tokenUrl } = await scriptedTokenEndpoint(() => ({
    status: 400,
    body: { error: 'invalid_request', error_description: 'bad' },
  }));
  try {
    const answer = await invoke(handler, fixture.env({ AUTH0_TOKEN_URL: tokenUrl }), '/t');
    expect(answer.body.error.code).toBe('TOKEN_REQUEST_REJECTED');
    expect(answer.body.error.message).toContain('400 invalid_request');
    expect(server.calls).toHaveLength(1);
  } finally {
    await server.close();
  }
});

it('C32: a 429 whose reset fits the budget is waited out, then the token is fetched', async () => {
  fixture.auth0.injectFault({
    target: 'token',
    kind: 'rate-limit',
    count: 1,
    resetAfterSeconds: 1,
  });
  const answer = await invoke(handler, fixture.env(), '/test-api-call');

  expect(answer.status).toBe(200);
  expect(fixture.auth0.counters().tokenRequests).toBe(2);
  expect(fixture.logs.records()[0]?.events).toContain('token_rate_limit_wait');
});

it('C32: a 429 whose reset does not fit the budget fails fast with TOKEN_RATE_LIMITED', async () => {
  fixture.auth0.injectFault({
    target: 'token',
    kind: 'rate-limit',
    count: 1,
    resetAfterSeconds: 60,
  });
  const answer = await invoke(handler, fixture.env(), '/test-api-call');

  expect(answer.status).toBe(503);
  expect(answer.body.error.code).toBe('TOKEN_RATE_LIMITED');
  expect(Number(answer.body.error.retryAfterSeconds)).toBeGreaterThan(1);
  expect(fixture.auth0.counters().tokenRequests).toBe(1);
});

it('C33: a 5xx is retried once with jitter, and only once', async () => {
  fixture.auth0.injectFault({ target: 'token', kind: 'error', count: 1 });
  const recovered = await invoke(handler, fixture.env(), '/test-api-call');
  expect(recovered.status).toBe(200);
  expect(fixture.auth0.counters().tokenRequests).toBe(2);

  fixture.auth0.resetCounters();
  fixture.auth0.injectFault({ target: 'token', kind: 'error', count: 5 });
  const failed = await invoke(handler, fixture.env(), '/test-api-call');
  expect(failed.status).toBe(503);
  expect(failed.body.error.code).toBe('TOKEN_ENDPOINT_UNAVAILABLE');
  expect(fixture.auth0.counters().tokenRequests).toBe(2);
});

it('C33: a connection reset is retried once, and only once', async () => {
  const { server, tokenUrl } = await scriptedTokenEndpoint(() => 'reset');
  try {
    const env = fixture.env({ AUTH0_TOKEN_URL: tokenUrl });
    const answer = await invoke(handler, env, '/test-api-call');
    expect(answer.status).toBe(503);
    expect(answer.body.error.code).toBe('TOKEN_ENDPOINT_UNAVAILABLE');
    expect(answer.body.error.message).toMatch(/unreachable \(ECONNRESET\)/);
    expect(server.calls).toHaveLength(2);
  } finally {
    await server.close();
  }
});

it('C34: a hanging token endpoint or API still gets an answer inside the budget', async () => {
  fixture.auth0.injectFault({ target: 'token', kind: 'hang', count: 5 });
  const env = fixture.env({ FUNCTION_DEADLINE_MS: '2000' });
  const slowToken = await invoke(handler, env, '/test-api-call');
  expect([503, 504]).toContain(slowToken.status);
  expect(['TOKEN_ENDPOINT_UNAVAILABLE', 'DEADLINE_EXCEEDED']).toContain(slowToken.body.error.code);
  fixture.auth0.clearFaults();

  const hangingApi = await startScriptedApi(() => 'hang');
  try {
    const answer = await invoke(
      handler,
      functionEnv(fixture.auth0, fixture.sync, hangingApi.url, { FUNCTION_DEADLINE_MS: '2000' }),
      '/test-api-call',
    );
    expect([503, 504]).toContain(answer.status);
    expect(['API_UNAVAILABLE', 'DEADLINE_EXCEEDED']).toContain(answer.body.error.code);
  } finally {
    await hangingApi.close();
  }
  // Twilio kills an invocation at 10 s: both answered well before, as the log lines record.
  for (const record of fixture.logs.records()) expect(record.timings.totalMs).toBeLessThan(10_000);
});

it('C35: a 200 without access_token, or with a missing or absurd expires_in, is an error and is not cached', async () => {
  const bodies: unknown[] = [
    { token_type: 'Bearer', expires_in: 86400 },
    { access_token: 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln', token_type: 'Bearer' },
    { access_token: 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln', token_type: 'Bearer', expires_in: -5 },
    { access_token: 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln', token_type: 'Bearer', expires_in: 1e12 },
    { access_token: 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln', token_type: 'mac', expires_in: 86400 },
  ];
  for (const body of bodies) {
    const { server, tokenUrl } = await scriptedTokenEndpoint(() => ({ status: 200, body }));
    const apiCallsBefore = fixture.api.calls.length;
    try {
      const env = fixture.env({ AUTH0_TOKEN_URL: tokenUrl });
      const first = await invoke(handler, env, '/test-api-call');
      const second = await invoke(handler, env, '/test-api-call');
      expect(first.status).toBe(502);
      expect(first.body.error.code).toBe('TOKEN_RESPONSE_INVALID');
      expect(second.body.error.code).toBe('TOKEN_RESPONSE_INVALID');
      // Not cached: neither in memory (the second call asked again) nor in Sync.
      expect(server.calls).toHaveLength(2);
      expect(documentData(fixture.sync, env.TWILIO_SYNC_TOKEN_DOC!)?.access_token).toBeUndefined();
      expect(fixture.api.calls).toHaveLength(apiCallsBefore);
    } finally {
      await server.close();
    }
  }
});
