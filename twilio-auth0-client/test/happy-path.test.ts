// The happy path of each function, in-process, against the real secure-api (built, spawned) and
// the Auth0 and Sync stand-ins: the token is fetched once, stored in Sync, then served from memory.
import { expect, it } from '@jest/globals';
import { handler as testApiCall } from '../src/functions/test-api-call';
import { handler as customerLookup } from '../src/functions/customer-lookup.protected';
import { handler as logInteraction } from '../src/functions/log-interaction.protected';
import { AUDIENCE } from './support/env';
import { useFunctionFixture } from './support/function-fixture';
import { eventFor, invoke } from './support/invoke';
import { signedEvent } from './support/signing';
import { documentData } from './support/sync-documents';

const fixture = useFunctionFixture({ api: 'secure-api' });

it('/test-api-call: fetches a token once, stores it in Sync, then serves it from memory', async () => {
  const env = fixture.env();
  const first = await invoke(testApiCall, env, '/test-api-call');
  const second = await invoke(testApiCall, env, '/test-api-call');

  expect(first.status).toBe(200);
  expect(first.body).toMatchObject({
    ok: true,
    api: {
      status: 200,
      body: {
        sub: 'local-m2m-client@clients',
        azp: 'local-m2m-client',
        aud: AUDIENCE,
        iss: fixture.auth0.issuer,
      },
    },
    token: { source: 'auth0', waited: true },
  });
  expect(second.body.token).toMatchObject({
    source: 'memory',
    waited: false,
    fingerprint: first.body.token.fingerprint,
  });
  expect(fixture.auth0.counters().tokenRequests).toBe(1);
  expect(documentData(fixture.sync, env.TWILIO_SYNC_TOKEN_DOC!)).toMatchObject({
    access_token: expect.any(String),
    refreshing_until: null,
  });
  expect(fixture.logs.records().map((r) => [r.outcome, r.tokenSource])).toEqual([
    ['ok', 'auth0'],
    ['ok', 'memory'],
  ]);
});

it('/test-api-call: a small HTML page when the browser asks for text/html', async () => {
  const env = fixture.env();
  const answer = await invoke(
    testApiCall,
    env,
    '/test-api-call',
    eventFor({}, { accept: 'text/html' }),
  );
  expect(answer.status).toBe(200);
  expect(String(answer.headers['Content-Type'])).toContain('text/html');
  expect(answer.text).toContain('<h1>Authenticated call succeeded</h1>');
  expect(answer.text).toContain('Decoded, not verified');
});

it('/customer-lookup: a known caller is found, an unknown one is a normal found:false', async () => {
  const env = fixture.env();
  const found = await invoke(
    customerLookup,
    env,
    '/customer-lookup',
    signedEvent('/customer-lookup', { phone: '+447700900003' }),
  );
  const missing = await invoke(
    customerLookup,
    env,
    '/customer-lookup',
    signedEvent('/customer-lookup', { phone: '+15005550099' }),
  );

  expect(found.status).toBe(200);
  expect(found.body).toEqual({
    found: true,
    id: 'cus_003',
    name: 'Alan Turing',
    tier: 'standard',
    phone: '+447700900003',
  });
  expect(missing.status).toBe(200);
  expect(missing.body).toEqual({ found: false, phone: '+15005550099' });
  expect(fixture.auth0.counters().tokenRequests).toBe(1);
});

it('/log-interaction: records the interaction; an unknown customer is 404 NOT_FOUND', async () => {
  const env = fixture.env();
  const recorded = await invoke(
    logInteraction,
    env,
    '/log-interaction',
    signedEvent('/log-interaction', {
      customerId: 'cus_004',
      channel: 'whatsapp',
      summary: 'Confirmed the appointment',
      occurredAt: '2026-03-01T10:00:00.000Z',
    }),
  );
  const unknown = await invoke(
    logInteraction,
    env,
    '/log-interaction',
    signedEvent('/log-interaction', { customerId: 'cus_999', channel: 'sms', summary: 'Hello' }),
  );

  expect(recorded.status).toBe(200);
  expect(recorded.body).toEqual({
    recorded: true,
    interactionId: expect.any(String),
    customerId: 'cus_004',
    channel: 'whatsapp',
    occurredAt: '2026-03-01T10:00:00.000Z',
    replayed: false,
  });
  expect(unknown.status).toBe(404);
  expect(unknown.body.error).toMatchObject({ code: 'NOT_FOUND', field: 'customerId' });
});
