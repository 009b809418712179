// Every refusal of the token endpoint, with Auth0's status and `{error, error_description}`.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { auth0Defaults, startAuth0StandIn, type Auth0StandIn } from '../src';
import {
  basicAuth,
  defaultClientAnd,
  postForm,
  postJson,
  validRequest,
  type HttpAnswer,
} from './auth0-requests';

let standIn: Auth0StandIn;

beforeAll(async () => {
  standIn = await startAuth0StandIn({
    // Registers a second API that the default client was not granted.
    clients: defaultClientAnd({
      clientId: 'billing-client',
      clientSecret: 'billing-secret',
      grants: { 'urn:billing': [] },
    }),
  });
});
afterAll(() => standIn.close());

function expectRefusal(answer: HttpAnswer, status: number, error: string, description: string) {
  expect(answer.status).toBe(status);
  expect(answer.body).toEqual({ error, error_description: description });
  expect(answer.headers.get('cache-control')).toBe('no-store');
}

describe('Auth0 stand-in token errors', () => {
  it('wrong secret → 401 access_denied "Unauthorized"', async () => {
    const answer = await postJson(standIn.tokenUrl, { ...validRequest, client_secret: 'wrong' });
    expectRefusal(answer, 401, 'access_denied', 'Unauthorized');
    expect(answer.headers.get('www-authenticate')).toBeNull();
  });

  it('unknown client → 401 access_denied "Unauthorized"', async () => {
    expectRefusal(
      await postJson(standIn.tokenUrl, { ...validRequest, client_id: 'nobody' }),
      401,
      'access_denied',
      'Unauthorized',
    );
  });

  it('missing secret → 401 access_denied', async () => {
    const { client_secret: _omit, ...noSecret } = validRequest;
    expectRefusal(await postJson(standIn.tokenUrl, noSecret), 401, 'access_denied', 'Unauthorized');
  });

  it('wrong Basic credentials → 401 with a Basic challenge (RFC 6749 §5.2)', async () => {
    const answer = await postForm(
      standIn.tokenUrl,
      { grant_type: 'client_credentials', audience: auth0Defaults.DEFAULT_AUDIENCE },
      { Authorization: basicAuth(auth0Defaults.DEFAULT_CLIENT_ID, 'wrong') },
    );
    expectRefusal(answer, 401, 'access_denied', 'Unauthorized');
    expect(answer.headers.get('www-authenticate')).toMatch(/^Basic /);
  });

  it('two authentication methods at once → 400 invalid_request', async () => {
    const answer = await postForm(standIn.tokenUrl, validRequest, {
      Authorization: basicAuth(
        auth0Defaults.DEFAULT_CLIENT_ID,
        auth0Defaults.DEFAULT_CLIENT_SECRET,
      ),
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('invalid_request');
  });

  it('unknown audience → 403 access_denied "Service not found: …"', async () => {
    expectRefusal(
      await postJson(standIn.tokenUrl, { ...validRequest, audience: 'https://unknown.api' }),
      403,
      'access_denied',
      'Service not found: https://unknown.api',
    );
  });

  it('audience not granted to the client → 403 access_denied naming the client-grant', async () => {
    const answer = await postJson(standIn.tokenUrl, { ...validRequest, audience: 'urn:billing' });
    expect(answer.status).toBe(403);
    expect(answer.body.error).toBe('access_denied');
    expect(answer.body.error_description).toMatch(
      /^Client is not authorized to access "urn:billing"\. .*"client-grant"/,
    );
  });

  it('missing audience → 403 access_denied', async () => {
    const { audience: _omit, ...noAudience } = validRequest;
    expectRefusal(
      await postJson(standIn.tokenUrl, noAudience),
      403,
      'access_denied',
      'No audience parameter was provided, and no default audience has been configured',
    );
  });

  it('scope not granted → 403 access_denied naming the scope', async () => {
    expectRefusal(
      await postJson(standIn.tokenUrl, { ...validRequest, scope: 'read:customers delete:all' }),
      403,
      'access_denied',
      'Client has not been granted scopes: delete:all',
    );
  });

  it('unsupported grant type → 400 unsupported_grant_type', async () => {
    expectRefusal(
      await postJson(standIn.tokenUrl, { ...validRequest, grant_type: 'password' }),
      400,
      'unsupported_grant_type',
      'Unsupported grant type: password',
    );
  });

  it.each(['grant_type', 'client_id'])('missing %s → 400 invalid_request', async (name) => {
    const { [name]: _omit, ...rest } = validRequest;
    expectRefusal(
      await postJson(standIn.tokenUrl, rest),
      400,
      'invalid_request',
      `Missing required parameter: ${name}`,
    );
  });

  it('malformed JSON body → 400 invalid_request', async () => {
    expectRefusal(
      await postJson(standIn.tokenUrl, '{"grant_type": '),
      400,
      'invalid_request',
      'Invalid request body',
    );
  });

  it('unsupported content type → 400 invalid_request', async () => {
    const res = await fetch(standIn.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: 'grant_type=client_credentials',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('GET on the token endpoint → 405', async () => {
    expect((await fetch(standIn.tokenUrl)).status).toBe(405);
  });

  it('issues no token on any refusal', async () => {
    standIn.resetCounters();
    await postJson(standIn.tokenUrl, { ...validRequest, client_secret: 'wrong' });
    await postJson(standIn.tokenUrl, { ...validRequest, audience: 'urn:billing' });
    expect(standIn.counters()).toEqual({ tokensIssued: 0, tokenRequests: 2, jwksRequests: 0 });
  });
});
