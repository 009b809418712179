// Tokens from the Auth0 stand-in, verified with jose against its published key set.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { auth0Defaults, startAuth0StandIn, type Auth0StandIn } from '../src';

let standIn: Auth0StandIn;

beforeAll(async () => {
  standIn = await startAuth0StandIn();
});
afterAll(() => standIn.close());

async function requestToken(body: Record<string, string>) {
  const res = await fetch(standIn.tokenUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json()) as Record<string, unknown>,
  };
}

const validRequest = {
  grant_type: 'client_credentials',
  client_id: auth0Defaults.DEFAULT_CLIENT_ID,
  client_secret: auth0Defaults.DEFAULT_CLIENT_SECRET,
  audience: auth0Defaults.DEFAULT_AUDIENCE,
};

describe('Auth0 stand-in tokens', () => {
  it('issues a token shaped like an Auth0 machine-to-machine token', async () => {
    const { status, headers, body } = await requestToken(validRequest);
    expect(status).toBe(200);
    expect(headers.get('cache-control')).toBe('no-store');
    expect(body).toEqual({
      access_token: expect.any(String),
      scope: 'read:customers write:interactions',
      expires_in: 86400,
      token_type: 'Bearer',
    });
    const token = body.access_token as string;
    const { payload, protectedHeader } = await jwtVerify(
      token,
      createRemoteJWKSet(new URL(standIn.jwksUri)),
      { issuer: standIn.issuer, audience: auth0Defaults.DEFAULT_AUDIENCE, algorithms: ['RS256'] },
    );
    expect(standIn.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(protectedHeader).toEqual({ alg: 'RS256', typ: 'JWT', kid: expect.any(String) });
    expect(decodeProtectedHeader(token).kid).toBe(protectedHeader.kid);
    expect(payload).toEqual({
      iss: standIn.issuer,
      sub: `${auth0Defaults.DEFAULT_CLIENT_ID}@clients`,
      aud: auth0Defaults.DEFAULT_AUDIENCE,
      iat: expect.any(Number),
      exp: (payload.iat ?? 0) + 86400,
      scope: 'read:customers write:interactions',
      gty: 'client-credentials',
      azp: auth0Defaults.DEFAULT_CLIENT_ID,
    });
  });

  it('publishes its discovery document', async () => {
    const res = await fetch(`${standIn.url}.well-known/openid-configuration`);
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc.issuer).toBe(standIn.issuer);
    expect(doc.jwks_uri).toBe(standIn.jwksUri);
    expect(doc.token_endpoint).toBe(standIn.tokenUrl);
  });
});
