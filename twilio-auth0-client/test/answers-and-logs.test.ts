// What the functions answer and log when something unexpected comes back: an error that is not a
// FunctionError, an answer that cannot be built, an API body nested far too deep, a token that
// an echoing API puts into the diagnosis page, and legitimate API text that merely looks like a
// credential. The real handlers run against the Auth0 and Sync stand-ins and scripted servers.
import { randomBytes } from 'node:crypto';
import { expect, it } from '@jest/globals';
import { handler as testApiCall } from '../src/functions/test-api-call';
import { handler as customerLookup } from '../src/functions/customer-lookup.protected';
import { defineFunction } from '../src/functions/lib/function-handler.private';
import { escapeHtml } from '../src/functions/lib/diagnosis-page.private';
import { CLIENT_SECRET } from './support/env';
import { useFunctionFixture } from './support/function-fixture';
import { eventFor, invoke, type Answer } from './support/invoke';
import { startScriptedApi } from './support/scripted-api';

const fixture = useFunctionFixture();

const asBrowser = () => eventFor({}, { accept: 'text/html' });

/** Gives a late second callback the chance to happen before the count is read. */
async function expectOneCallback(answer: Answer): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(answer.calls()).toBe(1);
}

it('HC12: an unexpected error answers 500 INTERNAL_ERROR and is logged by name and redacted message', async () => {
  const jwtLike = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
  const failing = defineFunction({
    name: 'failing',
    visibility: 'public',
    run: () => Promise.reject(new TypeError(`cannot read near ${CLIENT_SECRET} and ${jwtLike}`)),
  });
  const answer = await invoke(failing, fixture.env(), '/failing');

  expect(answer.status).toBe(500);
  expect(answer.body.error).toEqual({
    code: 'INTERNAL_ERROR',
    message: 'Unexpected internal error',
  });
  const line = fixture.logs.records()[0]!;
  expect(line).toMatchObject({ code: 'INTERNAL_ERROR', errorName: 'TypeError' });
  expect(line.errorMessage).toMatch(/^cannot read near \[redacted\] and \[redacted-jwt\]$/);
  expect(JSON.stringify(fixture.logs.records())).not.toContain(CLIENT_SECRET);
  await expectOneCallback(answer);
});

it('HC13: an answer that cannot be built still gets exactly one callback: a prebuilt 500', async () => {
  const broken = defineFunction({
    name: 'broken',
    visibility: 'public',
    run: () =>
      Promise.resolve({
        body: {
          get field(): string {
            throw new RangeError('cannot be read');
          },
        },
      }),
  });
  const answer = await invoke(broken, fixture.env(), '/broken');

  expect(answer.status).toBe(500);
  expect(answer.body.error.code).toBe('INTERNAL_ERROR');
  expect(fixture.logs.records()[0]).toMatchObject({ status: 500, errorName: 'RangeError' });
  await expectOneCallback(answer);
});

it('HC14: an API body nested 100 KB deep gets exactly one answer, cut at a bounded depth', async () => {
  const depth = 50_000;
  const deep = await startScriptedApi(() => ({
    status: 200,
    raw: `{"nested":${'['.repeat(depth)}${']'.repeat(depth)}}`,
  }));
  try {
    const env = { ...fixture.env(), API_BASE_URL: deep.url };
    const answers = [
      await invoke(testApiCall, env, '/test-api-call'),
      await invoke(testApiCall, env, '/test-api-call', asBrowser()),
    ];

    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(answers[0]!.text).toContain('[too deep]');
    expect(answers[0]!.text.length).toBeLessThan(20_000);
    expect(answers[1]!.text).toContain('[too deep]');
    expect(fixture.logs.records()).toHaveLength(2);
    for (const answer of answers) await expectOneCallback(answer);
  } finally {
    await deep.close();
  }
});

it('HC15: the diagnosis page scrubs upstream values before rendering: an echoed opaque token with markup characters never shows', async () => {
  const unique = randomBytes(12).toString('hex');
  const token = `opaque'<>&"${unique}`;
  const auth0 = await startScriptedApi(() => ({
    status: 200,
    body: { access_token: token, token_type: 'Bearer', expires_in: 3600 },
  }));
  const echo = await startScriptedApi((call) => ({
    status: 200,
    body: { received: call.token, header: `Bearer ${call.token ?? ''}` },
  }));
  try {
    const env = {
      ...fixture.env(),
      AUTH0_TOKEN_URL: `${auth0.url}/oauth/token`,
      API_BASE_URL: echo.url,
    };
    const page = await invoke(testApiCall, env, '/test-api-call', asBrowser());

    expect(page.status).toBe(200);
    expect(echo.calls[0]!.token).toBe(token);
    // Not as written, nor HTML-escaped, nor JSON- then HTML-escaped: not even its random part.
    expect(page.text).not.toContain(escapeHtml(JSON.stringify(token)).slice(6, -6));
    expect(page.text).not.toContain(unique);
    expect(page.text).toContain('[redacted]');
  } finally {
    await Promise.all([auth0.close(), echo.close()]);
  }
});

it('HC16: API text that only looks like a credential ("Basic …", "Bearer …") reaches the caller unchanged', async () => {
  const api = await startScriptedApi(() => ({
    status: 200,
    body: { id: 'c-1', name: 'Basic Bob', tier: 'Bearer gold', phone: '+15005550001' },
  }));
  try {
    const env = { ...fixture.env(), API_BASE_URL: api.url, VALIDATE_TWILIO_SIGNATURE: 'false' };
    const answer = await invoke(
      customerLookup,
      env,
      '/customer-lookup',
      eventFor({ phone: '+15005550001' }),
    );

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ found: true, name: 'Basic Bob', tier: 'Bearer gold' });
  } finally {
    await api.close();
  }
});

it('HC17: the error page gives a hint for TOKEN_RESPONSE_INVALID', async () => {
  const auth0 = await fixture.scriptedApi(() => ({ status: 200, body: { token_type: 'Bearer' } }));
  const env = { ...fixture.env(), AUTH0_TOKEN_URL: `${auth0.url}/oauth/token` };
  const page = await invoke(testApiCall, env, '/test-api-call', asBrowser());

  expect(page.status).toBe(502);
  expect(page.text).toContain('TOKEN_RESPONSE_INVALID');
  expect(page.text).toContain('Where to look');
  expect(page.text).toContain('AUTH0_TOKEN_URL');
});
