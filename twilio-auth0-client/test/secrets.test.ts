// Section F of bad-input-and-faults.md: secrets never leave the function, and configuration
// problems are named without their values.
import { randomBytes } from 'node:crypto';
import { expect, it } from '@jest/globals';
import { handler as testApiCall } from '../src/functions/test-api-call';
import { handler as customerLookup } from '../src/functions/customer-lookup.protected';
import { AUTH_TOKEN, CLIENT_SECRET, SERVICE_SID } from './support/env';
import { useFunctionFixture } from './support/function-fixture';
import { eventFor, invoke, type Answer } from './support/invoke';
import { invalidToken, startScriptedApi, type ScriptedApi } from './support/scripted-api';
import { signedEvent } from './support/signing';
import { documentData } from './support/sync-documents';

const fixture = useFunctionFixture();

/** Every token any server saw: what the API received and what Sync stores. */
function tokensSeen(...apis: ScriptedApi[]): string[] {
  const fromApi = apis.flatMap((a) => a.calls.map((c) => c.token ?? ''));
  const fromSync = fixture.sync
    .documents(SERVICE_SID)
    .map((d) => (d.data as Record<string, unknown>).access_token)
    .filter((t): t is string => typeof t === 'string');
  return [...new Set([...fromApi, ...fromSync])].filter((t) => t.length > 0);
}

function expectNoSecrets(answers: Answer[], secrets: string[]): void {
  const everything = [
    ...answers.map((a) => `${a.text}\n${JSON.stringify(a.headers)}`),
    ...fixture.logs.lines,
  ];
  expect(everything.length).toBeGreaterThan(answers.length); // the log lines were captured
  for (const text of everything) {
    for (const secret of secrets) {
      expect(text).not.toContain(secret);
      // Nor the signature half of a token, which alone would identify it.
      if (secret.split('.').length === 3) expect(text).not.toContain(secret.split('.')[2]);
    }
  }
}

it('F46: logs, error messages and responses of failing and succeeding runs contain no client secret, token or auth token', async () => {
  const cacheKey = randomBytes(32).toString('base64');
  const env = fixture.env({ TOKEN_CACHE_KEY: cacheKey });
  const rejecting = await startScriptedApi(() => invalidToken);
  const failing = await startScriptedApi(() => ({
    status: 500,
    body: { error: 'internal_error' },
  }));
  const wrongSecret = `wrong-${randomBytes(8).toString('hex')}`;
  try {
    const answers: Answer[] = [];
    // Succeeding runs: JSON and HTML diagnosis, a signed lookup, a memory hit.
    answers.push(await invoke(testApiCall, env, '/test-api-call'));
    answers.push(
      await invoke(testApiCall, env, '/test-api-call', eventFor({}, { accept: 'text/html' })),
    );
    answers.push(
      await invoke(
        customerLookup,
        env,
        '/customer-lookup',
        signedEvent('/customer-lookup', { phone: '+15005550001' }),
      ),
    );
    // Failing runs: a rejected secret, rejected tokens, a failing API, Sync and Auth0 down.
    answers.push(
      await invoke(
        testApiCall,
        { ...env, AUTH0_CLIENT_SECRET: wrongSecret, TWILIO_SYNC_TOKEN_DOC: 'secrets-2' },
        '/t',
      ),
    );
    fixture.auth0.setTokenLifetime(86000); // the refetched token differs from the rejected one
    answers.push(
      await invoke(
        testApiCall,
        { ...env, API_BASE_URL: rejecting.url, TWILIO_SYNC_TOKEN_DOC: 'secrets-4' },
        '/test-api-call',
      ),
    );
    fixture.auth0.setTokenLifetime(86400);
    answers.push(
      await invoke(
        testApiCall,
        { ...env, API_BASE_URL: failing.url },
        '/test-api-call',
        eventFor({}, { accept: 'text/html' }),
      ),
    );
    fixture.sync.injectFault({ kind: 'unavailable', count: 10 });
    fixture.auth0.injectFault({ target: 'token', kind: 'error', count: 10 });
    answers.push(
      await invoke(testApiCall, { ...env, TWILIO_SYNC_TOKEN_DOC: 'secrets-3' }, '/test-api-call'),
    );
    answers.push(
      await invoke(customerLookup, env, '/customer-lookup', eventFor({ phone: '+15005550001' })),
    );

    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 502, 502, 502, 503, 403]);
    const tokens = tokensSeen(fixture.api, rejecting, failing);
    expect(tokens.length).toBeGreaterThanOrEqual(2);
    expectNoSecrets(answers, [CLIENT_SECRET, wrongSecret, AUTH_TOKEN, cacheKey, ...tokens]);
    // With TOKEN_CACHE_KEY set, the Sync document holds only ciphertext.
    const data = documentData(fixture.sync, env.TWILIO_SYNC_TOKEN_DOC!);
    expect(data?.access_token).toBeUndefined();
    expect(Object.keys(data ?? {}).sort()).toEqual(['format', 'sealed']);
    expect(String(data?.sealed)).toMatch(/^v1\./);
    for (const token of tokens) expect(JSON.stringify(data)).not.toContain(token);
  } finally {
    await Promise.all([rejecting.close(), failing.close()]);
  }
});

it('F46: an API that echoes the Authorization header back cannot put the token into a response or the log', async () => {
  const env = fixture.env();
  // A misconfigured API_BASE_URL (an echo service, a debugging proxy) answers with the request's
  // own headers: the diagnosis shows the API's body, and lookups pass the API's 400 message on.
  const echo = await startScriptedApi((call) => ({
    status: call.path.startsWith('/customers') ? 400 : 200,
    body: {
      message: `Bad request: authorization: Bearer ${call.token ?? ''}`,
      headers: { authorization: `Bearer ${call.token ?? ''}` },
      token: call.token,
    },
  }));
  try {
    const echoing = { ...env, API_BASE_URL: echo.url, VALIDATE_TWILIO_SIGNATURE: 'false' };
    const answers = [
      await invoke(testApiCall, echoing, '/test-api-call'),
      await invoke(testApiCall, echoing, '/test-api-call', eventFor({}, { accept: 'text/html' })),
      await invoke(
        customerLookup,
        echoing,
        '/customer-lookup',
        eventFor({ phone: '+15005550001' }),
      ),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 400]);
    expect(answers[0]!.body.api.body.token).toBe('[redacted]');
    const tokens = tokensSeen(echo);
    expect(tokens).toHaveLength(1);
    expectNoSecrets(answers, [CLIENT_SECRET, AUTH_TOKEN, ...tokens]);
  } finally {
    await echo.close();
  }
});

it('F47: missing or malformed configuration → 500 CONFIG_INVALID naming the variable, never its value', async () => {
  const env = fixture.env();
  const marker = 'SeCrEtVaLuE';
  const cases: Array<[string, string | undefined]> = [
    ['ACCOUNT_SID', undefined],
    ['ACCOUNT_SID', `AC${marker}`],
    ['AUTH_TOKEN', undefined],
    ['AUTH_TOKEN', `${marker}0000000000000000000000`],
    ['TWILIO_SYNC_SERVICE_SID', undefined],
    ['TWILIO_SYNC_SERVICE_SID', `IS${marker}`],
    ['TWILIO_SYNC_TOKEN_DOC', undefined],
    ['TWILIO_SYNC_TOKEN_DOC', `${marker} with spaces`],
    ['TWILIO_SYNC_BASE_URL', `ftp://${marker}.example`],
    ['AUTH0_TOKEN_URL', undefined],
    ['AUTH0_TOKEN_URL', `http://${marker}.example/oauth/token`], // plain http off loopback
    ['AUTH0_TOKEN_URL', `https://user:${marker}@tenant.example/oauth/token`],
    ['AUTH0_CLIENT_ID', undefined],
    ['AUTH0_CLIENT_SECRET', undefined],
    ['AUTH0_CLIENT_SECRET', `${marker} x`],
    ['AUTH0_AUDIENCE', undefined],
    ['AUTH0_AUDIENCE', '   '],
    ['API_BASE_URL', undefined],
    ['API_BASE_URL', `not a url ${marker}`],
    ['FUNCTION_DEADLINE_MS', `${marker}`],
    ['FUNCTION_DEADLINE_MS', '12000'],
    ['TOKEN_CACHE_KEY', `${marker}`],
    ['TOKEN_CACHE_KEY', randomBytes(16).toString('base64')],
    ['ENABLE_TEST_ENDPOINT', marker],
  ];
  fixture.auth0.resetCounters();
  for (const [name, value] of cases) {
    const broken: Record<string, string> = { ...env };
    if (value === undefined) delete broken[name];
    else broken[name] = value;
    const answer = await invoke(testApiCall, broken, '/test-api-call');
    expect({ name, status: answer.status }).toEqual({ name, status: 500 });
    expect(answer.body.error).toMatchObject({ code: 'CONFIG_INVALID', variable: name });
    expect(answer.body.error.message).toContain(name);
    if (value !== undefined && value.trim() !== '') {
      expect(answer.text).not.toContain(value);
      expect(answer.text).not.toContain(marker);
    }
  }
  expect(fixture.logs.lines.join('\n')).not.toContain(marker);
  expect(fixture.auth0.counters().tokenRequests).toBe(0);
});
