// The page /test-api-call shows a browser, rendered by the real function against the Auth0 and
// Sync stand-ins and a scripted API: the verdict, the summary, the claims, escaping of hostile
// values (a client id and an API answer crafted as markup), the error page, and never the token.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { handler as testApiCall } from '../src/functions/test-api-call';
import { expiresIn } from '../src/functions/lib/diagnosis-page.private';
import { AUDIENCE, CLIENT_ID, CLIENT_SECRET, functionEnv, READ_ONLY_CLIENT } from './support/env';
import { useFunctionFixture } from './support/function-fixture';
import { eventFor, invoke, type Answer } from './support/invoke';
import { answerLikeSecureApi, startScriptedApi, type ScriptedApi } from './support/scripted-api';

const HOSTILE = `"><script>alert('x')</script><img/src=x/onerror=alert(1)>&amp;`;
const HOSTILE_ESCAPED = '&#34;&#62;&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62;';
const JWT = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/;

const fixture = useFunctionFixture({
  auth0: {
    clients: [
      READ_ONLY_CLIENT,
      { clientId: HOSTILE, clientSecret: CLIENT_SECRET, grants: { [AUDIENCE]: [HOSTILE] } },
    ],
  },
});
let hostileApi: ScriptedApi;

beforeAll(async () => {
  hostileApi = await startScriptedApi((call, index) =>
    call.path === '/secure' && index % 2 === 1
      ? { status: 404, body: { statusCode: 404, error: 'not_found', message: HOSTILE } }
      : { status: 200, body: { ...(answerLikeSecureApi(call, index) as object), note: HOSTILE } },
  );
});
afterAll(() => hostileApi.close());

const asBrowser = () => eventFor({}, { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' });

/** The tokens the API saw, each with its signature part (which alone identifies it). */
function expectNoToken(answer: Answer, seenBy: ScriptedApi): void {
  const tokens = seenBy.calls.map((call) => call.token!);
  expect(tokens.length).toBeGreaterThan(0);
  expect(answer.text).not.toMatch(JWT);
  for (const token of tokens) {
    expect(answer.text).not.toContain(token);
    expect(answer.text).not.toContain(token.split('.')[2]!);
  }
}

/** A self-contained page: no script, no resource fetched from anywhere, a CSP forbidding both. */
function expectSelfContained(html: string): void {
  expect(html).toMatch(/^<!doctype html>/);
  expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
  expect(html).not.toMatch(/<script|<link|<img|<iframe|\ssrc=|\shref=|url\(/i);
}

it('a browser gets a page with the verdict, the summary, the claims and the raw JSON, never the token', async () => {
  const env = fixture.env();
  const first = await invoke(testApiCall, env, '/test-api-call', asBrowser());
  const second = await invoke(testApiCall, env, '/test-api-call', asBrowser());
  const json = await invoke(testApiCall, env, '/test-api-call');

  expect(first.status).toBe(200);
  expect(String(first.headers['Content-Type'])).toBe('text/html; charset=utf-8');
  const html = first.text;
  expectSelfContained(html);
  expect(html).toContain('<title>test-api-call: Authenticated call succeeded</title>');
  expect(html).toMatch(/<header class="verdict ok">[\s\S]*<h1>Authenticated call succeeded<\/h1>/);
  expect(html).toContain('<span class="badge ok">200</span> GET /secure in');
  expect(html).toContain('<code class="pill">auth0</code>');
  expect(html).toContain('Fetched from Auth0 just now');
  expect(html).toMatch(/yes <span class="muted">/); // the first call waited for the token
  expect(html).toMatch(
    /<code>\d{4}-\d\d-\d\dT[\d:.]+Z<\/code><div class="muted">in 2[34] h \d+ min/,
  );
  expect(html).toMatch(/<code>sha256:[0-9a-f]{16}<\/code>/);
  expect(html).toContain('Decoded, not verified here');
  expect(html).toContain(`<tr><th>azp</th><td><code>${CLIENT_ID}</code></td></tr>`);
  expect(html).toContain(`<tr><th>sub</th><td><code>${CLIENT_ID}@clients</code></td></tr>`);
  expect(html).toContain(`<tr><th>aud</th><td><code>${AUDIENCE}</code></td></tr>`);
  expect(html).toContain('<code class="pill">read:customers</code>');
  expect(html).toContain('<th>Whole invocation</th>');
  expect(html).toMatch(
    /<details><summary>Raw diagnosis \(JSON\)<\/summary><pre>\{\n {2}&#34;ok&#34;: true,/,
  );
  expectNoToken(first, fixture.api);

  // The second call is served from memory without waiting; JSON stays the default.
  expect(second.text).toContain('<code class="pill">memory</code>');
  expect(second.text).toMatch(/no <span class="muted">/);
  expect(String(json.headers['Content-Type'])).toBe('application/json');
  expect(json.body).toMatchObject({ ok: true, api: { status: 200 }, token: { source: 'memory' } });
  expect(first.text).toContain(`<code>${String(json.body.token.fingerprint)}</code>`);
});

it('escapes every value: a client id and an API answer crafted as markup stay text', async () => {
  const env = functionEnv(fixture.auth0, fixture.sync, hostileApi.url, {
    AUTH0_CLIENT_ID: HOSTILE,
  });
  const ok = await invoke(testApiCall, env, '/test-api-call', asBrowser()); // 200 with a hostile body
  const failed = await invoke(testApiCall, env, '/test-api-call', asBrowser()); // 404 hostile message

  expect(ok.status).toBe(200);
  expect(failed.status).toBe(502);
  expect(failed.text).toMatch(/<header class="verdict fail">[\s\S]*<h1>API answered 404<\/h1>/);
  expect(failed.text).toContain('<p>not_found: &#34;&#62;&#60;script&#62;');
  expect(failed.text).toContain('<span class="badge fail">404</span>');
  for (const answer of [ok, failed]) {
    expectSelfContained(answer.text);
    expect(answer.text).not.toContain(HOSTILE);
    expect(answer.text).not.toContain('<script');
    // Claims (azp, sub, scope) in the table, the API body and the raw JSON: all escaped.
    expect(answer.text.split(HOSTILE_ESCAPED).length - 1).toBeGreaterThanOrEqual(5);
    expect(answer.text).toContain('&#38;amp;'); // even an entity is shown as typed
    expectNoToken(answer, hostileApi);
  }
});

describe('the error page', () => {
  it('names the code and message in a red verdict; JSON clients still get JSON', async () => {
    const env = fixture.env({ AUTH0_CLIENT_SECRET: 'not-the-secret' });
    const page = await invoke(testApiCall, env, '/test-api-call', asBrowser());
    const json = await invoke(testApiCall, env, '/test-api-call');

    expect(page.status).toBe(502);
    expect(String(page.headers['Content-Type'])).toBe('text/html; charset=utf-8');
    expectSelfContained(page.text);
    expect(page.text).toMatch(/<header class="verdict fail">[\s\S]*<h1>Call failed<\/h1>/);
    expect(page.text).toContain('<p>TOKEN_REQUEST_REJECTED: ');
    expect(page.text).toContain('<span class="badge fail">502</span>');
    expect(page.text).toContain('check AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET');
    expect(page.text).toContain('<summary>Raw error (JSON)</summary>');
    expect(page.text).not.toContain('not-the-secret');
    expect(json.status).toBe(502);
    expect(json.body.error.code).toBe('TOKEN_REQUEST_REJECTED');
    expect(page.text).toContain(String(json.body.error.message));
  });
});

describe('expiresIn', () => {
  const at = Date.parse('2026-01-01T00:00:00.000Z');
  it.each([
    ['2026-01-02T00:00:00.000Z', 'in 24 h 0 min'],
    ['2026-01-01T23:59:59.000Z', 'in 23 h 59 min'],
    ['2026-01-01T00:42:30.000Z', 'in 42 min'],
    ['2026-01-01T00:00:30.000Z', 'in under 1 min'],
    ['2026-01-01T00:00:00.000Z', 'expired'],
    ['2025-12-31T00:00:00.000Z', 'expired'],
    ['not a date', ''],
  ])('%s → %s', (expiresAt, expected) => {
    expect(expiresIn(expiresAt, at)).toBe(expected);
  });
});
