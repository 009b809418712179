// Section E of bad-input-and-faults.md: the functions' own door. Signatures, parameters and the
// test endpoint's switch are checked before any upstream call; every path calls back once.
import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { handler as testApiCall } from '../src/functions/test-api-call';
import { handler as customerLookup } from '../src/functions/customer-lookup.protected';
import { handler as logInteraction } from '../src/functions/log-interaction.protected';
import { uniqueDocName } from './support/env';
import { useFunctionFixture } from './support/function-fixture';
import { eventFor, invoke, LOCAL_DOMAIN, type Answer } from './support/invoke';
import { signature, signedEvent } from './support/signing';

const customer = {
  id: 'cus_001',
  name: 'Ada Lovelace',
  phone: '+15005550001',
  email: 'ada@example.com',
  tier: 'gold',
};

const fixture = useFunctionFixture({
  api: (call) => {
    if (call.path.startsWith('/customers?phone=%2B15005550001'))
      return { status: 200, body: customer };
    if (call.path.startsWith('/customers?')) {
      return {
        status: 404,
        body: { statusCode: 404, error: 'customer_not_found', message: 'No customer' },
      };
    }
    if (call.method === 'POST') {
      return {
        status: 201,
        body: { id: 'int_1', customerId: 'cus_001', occurredAt: '2026-01-01T00:00:00.000Z' },
      };
    }
    return { status: 200, body: {} };
  },
});

function expectNoUpstreamCall(apiCallsBefore: number): void {
  expect(fixture.auth0.counters().tokenRequests).toBe(0);
  expect(fixture.sync.counters().requests).toBe(0);
  expect(fixture.api.calls).toHaveLength(apiCallsBefore);
}

describe('E42: Studio-facing functions refuse a missing or wrong X-Twilio-Signature', () => {
  const lookupParams = { phone: '+15005550001' };
  const interaction = { customerId: 'cus_001', channel: 'voice', summary: 'Asked about billing' };

  it('E42: missing or wrong X-Twilio-Signature → 403 before any upstream call', async () => {
    const env = fixture.env();
    const before = fixture.api.calls.length;
    const url = `http://${LOCAL_DOMAIN}/customer-lookup`;
    const attempts: Array<Promise<Answer>> = [
      invoke(customerLookup, env, '/customer-lookup', eventFor(lookupParams)),
      invoke(
        customerLookup,
        env,
        '/customer-lookup',
        signedEvent('/customer-lookup', lookupParams, 'f'.repeat(32)),
      ),
      // Signed for other parameters than the ones sent (a tampered phone number).
      invoke(
        customerLookup,
        env,
        '/customer-lookup',
        eventFor({ phone: '+15005550002' }, { 'x-twilio-signature': signature(url, lookupParams) }),
      ),
      // Signed for another function's URL.
      invoke(
        customerLookup,
        env,
        '/customer-lookup',
        signedEvent('/log-interaction', lookupParams),
      ),
      invoke(logInteraction, env, '/log-interaction', eventFor(interaction)),
    ];
    for (const answer of await Promise.all(attempts)) {
      expect(answer.status).toBe(403);
      expect(answer.body).toEqual({
        error: { code: 'SIGNATURE_INVALID', message: 'Missing or invalid X-Twilio-Signature' },
      });
    }
    expectNoUpstreamCall(before);
  });

  it('E42: a correctly signed request passes, and VALIDATE_TWILIO_SIGNATURE=false is the only opt-out', async () => {
    const env = fixture.env();
    const found = await invoke(
      customerLookup,
      env,
      '/customer-lookup',
      signedEvent('/customer-lookup', lookupParams),
    );
    expect(found.status).toBe(200);
    expect(found.body).toEqual({
      found: true,
      id: 'cus_001',
      name: 'Ada Lovelace',
      tier: 'gold',
      phone: '+15005550001',
    });

    const recorded = await invoke(
      logInteraction,
      env,
      '/log-interaction',
      signedEvent('/log-interaction', interaction),
    );
    expect(recorded.status).toBe(200);
    expect(recorded.body).toMatchObject({
      recorded: true,
      interactionId: 'int_1',
      customerId: 'cus_001',
    });

    const optedOut = await invoke(
      customerLookup,
      { ...env, VALIDATE_TWILIO_SIGNATURE: 'false' },
      '/customer-lookup',
      eventFor({ phone: '+15005559999' }),
    );
    expect(optedOut.status).toBe(200);
    expect(optedOut.body).toEqual({ found: false, phone: '+15005559999' });

    for (const value of ['no', 'FALSE', '0']) {
      const refused = await invoke(
        customerLookup,
        { ...env, VALIDATE_TWILIO_SIGNATURE: value },
        '/customer-lookup',
        eventFor(lookupParams),
      );
      expect(refused.status).toBe(500);
      expect(refused.body.error).toMatchObject({
        code: 'CONFIG_INVALID',
        variable: 'VALIDATE_TWILIO_SIGNATURE',
      });
    }
  });

  it('E42: a JSON body signed with bodySHA256 is accepted; a changed body is not', async () => {
    const env = fixture.env();
    const body = { phone: '+15005550001' };
    const hash = createHash('sha256').update(JSON.stringify(body)).digest('hex');
    const url = `http://${LOCAL_DOMAIN}/customer-lookup?bodySHA256=${hash}`;
    const headers = {
      'x-twilio-signature': signature(url, {}),
      'content-type': 'application/json',
    };
    const accepted = await invoke(
      customerLookup,
      env,
      '/customer-lookup',
      eventFor({ ...body, bodySHA256: hash }, headers),
    );
    expect(accepted.status).toBe(200);
    const tampered = await invoke(
      customerLookup,
      env,
      '/customer-lookup',
      eventFor({ phone: '+15005550002', bodySHA256: hash }, headers),
    );
    expect(tampered.status).toBe(403);
  });
});

it('E43: missing or malformed parameters → 400 naming the field, before any upstream call', async () => {
  const env = fixture.env();
  const before = fixture.api.calls.length;
  const cases: Array<[typeof customerLookup, string, Record<string, string>, string]> = [
    [customerLookup, '/customer-lookup', {}, 'phone'],
    [customerLookup, '/customer-lookup', { phone: '5005550001' }, 'phone'],
    [customerLookup, '/customer-lookup', { phone: ' 15005550001' }, 'phone'],
    [customerLookup, '/customer-lookup', { phone: '+0123' }, 'phone'],
    [customerLookup, '/customer-lookup', { phone: '+1500555000112345' }, 'phone'],
    [logInteraction, '/log-interaction', { channel: 'voice', summary: 'x' }, 'customerId'],
    [logInteraction, '/log-interaction', { customerId: 'cus_001', summary: 'x' }, 'channel'],
    [
      logInteraction,
      '/log-interaction',
      { customerId: 'cus_001', channel: 'fax', summary: 'x' },
      'channel',
    ],
    [
      logInteraction,
      '/log-interaction',
      { customerId: 'cus_001', channel: 'sms', summary: '   ' },
      'summary',
    ],
    [
      logInteraction,
      '/log-interaction',
      { customerId: 'cus_001', channel: 'sms', summary: 'x'.repeat(501) },
      'summary',
    ],
    [
      logInteraction,
      '/log-interaction',
      { customerId: '../admin', channel: 'sms', summary: 'x' },
      'customerId',
    ],
    [
      logInteraction,
      '/log-interaction',
      { customerId: 'cus_001', channel: 'sms', summary: 'x', occurredAt: 'yesterday' },
      'occurredAt',
    ],
  ];
  for (const [fn, path, params, field] of cases) {
    const answer = await invoke(fn, env, path, signedEvent(path, params));
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('BAD_REQUEST');
    expect(answer.body.error.field).toBe(field);
    expect(answer.body.error.message).toContain(field);
  }
  expectNoUpstreamCall(before);
});

it('E44: every path calls callback exactly once', async () => {
  const env = fixture.env({ FUNCTION_DEADLINE_MS: '1000' });
  const hanging = await fixture.scriptedApi(() => 'hang');
  const paths: Array<Promise<Answer>> = [
    invoke(testApiCall, env, '/test-api-call'), // 200
    invoke(testApiCall, { ...env, ENABLE_TEST_ENDPOINT: 'false' }, '/test-api-call'), // 404
    invoke(testApiCall, { ...env, AUTH0_AUDIENCE: '' }, '/test-api-call'), // 500 config
    invoke(
      testApiCall,
      { ...env, AUTH0_CLIENT_SECRET: 'not-the-secret', TWILIO_SYNC_TOKEN_DOC: uniqueDocName() },
      '/test-api-call',
    ), // 502 token
    invoke(testApiCall, { ...env, API_BASE_URL: hanging.url }, '/test-api-call'), // 503/504 hang
    invoke(customerLookup, env, '/customer-lookup', eventFor({ phone: '+15005550001' })), // 403
    invoke(customerLookup, env, '/customer-lookup', signedEvent('/customer-lookup', {})), // 400
    invoke(
      customerLookup,
      env,
      '/customer-lookup',
      signedEvent('/customer-lookup', { phone: '+15005550001' }),
    ), // 200
    invoke(
      logInteraction,
      env,
      '/log-interaction',
      signedEvent('/log-interaction', { customerId: 'cus_9', channel: 'chat', summary: 'hi' }),
    ), // 200
  ];
  const answers = await Promise.all(paths);
  expect(answers.map((a) => a.status)).toEqual([
    200,
    404,
    500,
    502,
    expect.any(Number),
    403,
    400,
    200,
    200,
  ]);
  // Past every deadline (1 s) and every upstream timeout, still exactly one callback each.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  expect(answers.map((a) => a.calls())).toEqual(answers.map(() => 1));
  expect(fixture.logs.records()).toHaveLength(paths.length);
});

it('E45: the test endpoint is off unless enabled; when on it diagnoses without showing the token', async () => {
  const base = fixture.env();
  for (const value of [undefined, 'false']) {
    const env = { ...base };
    if (value === undefined) delete env.ENABLE_TEST_ENDPOINT;
    else env.ENABLE_TEST_ENDPOINT = value;
    const off = await invoke(testApiCall, env, '/test-api-call');
    expect(off.status).toBe(404);
    expect(off.body.error.code).toBe('NOT_FOUND');
  }
  expect(fixture.auth0.counters().tokenRequests).toBe(0);

  const before = fixture.api.calls.length;
  const on = await invoke(testApiCall, base, '/test-api-call');
  const token = fixture.api.calls[before]!.token!;
  expect(on.status).toBe(200);
  expect(on.body).toMatchObject({
    ok: true,
    api: { status: 200, latencyMs: expect.any(Number), body: expect.any(Object) },
    token: {
      source: 'auth0',
      expiresAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      fingerprint: expect.stringMatching(/^sha256:[0-9a-f]{16}$/),
      claims: {
        iss: fixture.auth0.issuer,
        aud: 'https://secure-api.local',
        azp: 'local-m2m-client',
        scope: 'read:customers write:interactions',
        sub: 'local-m2m-client@clients',
      },
      claimsVerified: false,
    },
  });
  const again = await invoke(testApiCall, base, '/test-api-call');
  expect(again.body.token.source).toBe('memory');
  const html = await invoke(
    testApiCall,
    base,
    '/test-api-call',
    eventFor({}, { accept: 'text/html,*/*' }),
  );
  expect(html.text).toContain('<!doctype html>');
  for (const answer of [on, again, html]) {
    expect(answer.text).not.toContain(token);
    expect(answer.text).not.toContain(token.split('.')[2]!); // not even the signature part
  }
});
