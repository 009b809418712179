// The built service as twilio-run serves it (default mode: every request in a new forked process,
// so no memory survives between invocations: Sync is the only shared level, as between Twilio
// containers), against the Auth0 and Sync stand-ins and the real secure-api.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { startTwilioRun, type ChildService } from './support/child-services';
import { AUDIENCE, AUTH_TOKEN, CLIENT_SECRET } from './support/env';
import { useFunctionFixture } from './support/function-fixture';
import { signature } from './support/signing';
import { cacheDocument, documentData, replaceDocument } from './support/sync-documents';

// The functions run in twilio-run's processes: their log lines are in its output.
const fixture = useFunctionFixture({ api: 'secure-api', logs: 'none' });
let twilioRun: ChildService;
let docName: string;
const bodies: string[] = [];

beforeAll(async () => {
  const env = fixture.env();
  docName = env.TWILIO_SYNC_TOKEN_DOC!;
  twilioRun = await startTwilioRun(env);
}, 60_000);
afterAll(() => twilioRun?.close());

/** On a failing count, show the functions' log lines (events, timings) to explain it. */
function explainIfNotOne(): void {
  if (fixture.auth0.counters().tokenRequests === 1) return;
  const lines = twilioRun.output().filter((line) => line.includes('"fn"'));
  process.stderr.write(`${lines.slice(-20).join('\n')}\n`);
}

async function get(path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${twilioRun.url}${path}`, {
    headers,
    signal: AbortSignal.timeout(90_000),
  });
  const text = await response.text();
  bodies.push(text);
  return { status: response.status, text, body: JSON.parse(text) };
}

async function postSigned(path: string, params: Record<string, string>, signed = true) {
  const url = `${twilioRun.url}${path}`;
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (signed) headers['x-twilio-signature'] = signature(url, params);
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body: new URLSearchParams(params).toString(),
    signal: AbortSignal.timeout(90_000),
  });
  const text = await response.text();
  bodies.push(text);
  return { status: response.status, body: JSON.parse(text) };
}

it('Stampede: 20 concurrent /test-api-call in separate processes on an empty cache make exactly 1 token request', async () => {
  fixture.auth0.resetCounters();
  expect(documentData(fixture.sync, docName)).toBeUndefined();
  const answers = await Promise.all(Array.from({ length: 20 }, () => get('/test-api-call')));
  explainIfNotOne();

  expect(fixture.auth0.counters().tokenRequests).toBe(1);
  expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
  for (const { body } of answers) {
    expect(body).toMatchObject({
      ok: true,
      api: { status: 200 },
      token: { claims: { aud: AUDIENCE } },
    });
  }
  expect(new Set(answers.map((a) => a.body.token.fingerprint)).size).toBe(1);
  const sources = answers.map((a) => a.body.token.source as string);
  expect(sources.filter((s) => s === 'auth0')).toHaveLength(1);
  const token = String(documentData(fixture.sync, docName)?.access_token);
  for (const { text } of answers) expect(text).not.toContain(token);
}, 120_000);

it('D37: many concurrent refreshes in separate processes (expired token in Sync) make one token request', async () => {
  const now = Date.now();
  await replaceDocument(
    fixture.sync,
    docName,
    cacheDocument('expired.token.value', AUDIENCE, {
      fetchedAt: now - 7200_000,
      expiresAt: now - 1000,
    }),
  );
  fixture.auth0.setTokenLifetime(86000); // so the new token differs from the stampede's
  fixture.auth0.resetCounters();
  fixture.sync.resetCounters();
  // Sync answers slowly (still inside the per-call timeout), so the processes' reads overlap and
  // several find the same expired revision: their conditional claims race.
  fixture.sync.injectFault({ kind: 'slow', count: 20, delayMs: 800 });
  const answers = await Promise.all(Array.from({ length: 20 }, () => get('/test-api-call')));
  fixture.auth0.setTokenLifetime(86400);
  explainIfNotOne();

  expect(fixture.auth0.counters().tokenRequests).toBe(1);
  expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
  expect(new Set(answers.map((a) => a.body.token.fingerprint)).size).toBe(1);
  expect(Date.parse(String(documentData(fixture.sync, docName)?.expires_at))).toBeGreaterThan(now);
}, 120_000);

it('E42 locally: under twilio-run an unsigned call to a protected function gets 403; signed calls reach secure-api', async () => {
  fixture.auth0.resetCounters();
  const unsigned = await postSigned('/customer-lookup', { phone: '+15005550001' }, false);
  expect(unsigned.status).toBe(403);
  expect(unsigned.body.error.code).toBe('SIGNATURE_INVALID');

  const found = await postSigned('/customer-lookup', { phone: '+15005550001' });
  expect(found).toEqual({
    status: 200,
    body: { found: true, id: 'cus_001', name: 'Ada Lovelace', tier: 'gold', phone: '+15005550001' },
  });
  const missing = await postSigned('/customer-lookup', { phone: '+15005550099' });
  expect(missing).toEqual({ status: 200, body: { found: false, phone: '+15005550099' } });

  const recorded = await postSigned('/log-interaction', {
    customerId: 'cus_002',
    channel: 'voice',
    summary: 'Asked about the invoice',
  });
  expect(recorded.status).toBe(200);
  expect(recorded.body).toMatchObject({ recorded: true, customerId: 'cus_002', channel: 'voice' });
  expect(recorded.body.interactionId).toEqual(expect.any(String));
  const unknown = await postSigned('/log-interaction', {
    customerId: 'cus_999',
    channel: 'sms',
    summary: 'x',
  });
  expect(unknown.status).toBe(404);
  expect(unknown.body.error.code).toBe('NOT_FOUND');
  expect(fixture.auth0.counters().tokenRequests).toBe(0); // all served by the token cached in Sync
});

it('Secrets: twilio-run output and every response of these runs hold no secret, token or auth token', async () => {
  const failing = await get('/customer-lookup?phone=%2B15005550001', {}); // unsigned GET: 403
  expect(failing.status).toBe(403);
  const token = String(documentData(fixture.sync, docName)?.access_token);
  const everything = [...bodies, ...twilioRun.output()];
  expect(twilioRun.output().some((line) => line.includes('"fn":"test-api-call"'))).toBe(true);
  for (const text of everything) {
    for (const secret of [CLIENT_SECRET, AUTH_TOKEN, token, token.split('.')[2]!]) {
      expect(text).not.toContain(secret);
    }
  }
});
