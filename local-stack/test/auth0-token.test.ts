// Tokens from the Auth0 stand-in, verified with jose against its published key set.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { auth0Defaults, startAuth0StandIn, type Auth0StandIn } from '../src';
import {
  basicAuth,
  defaultClientAnd,
  get,
  postForm,
  postJson,
  validRequest,
} from './auth0-requests';

let standIn: Auth0StandIn;

beforeAll(async () => {
  standIn = await startAuth0StandIn({
    clients: defaultClientAnd({
      clientId: 'other-client',
      clientSecret: 's3cret:with/odd chars',
      grants: { 'urn:other': [] },
    }),
  });
});
afterAll(() => standIn.close());

async function verify(token: string, audience = auth0Defaults.DEFAULT_AUDIENCE) {
  return jwtVerify(token, createRemoteJWKSet(new URL(standIn.jwksUri)), {
    issuer: standIn.issuer,
    audience,
    algorithms: ['RS256'],
  });
}

describe('Auth0 stand-in tokens', () => {
  it('exposes its URLs with Auth0 conventions', () => {
    expect(standIn.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(standIn.issuer).toBe(standIn.url);
    expect(standIn.tokenUrl).toBe(`${standIn.url}oauth/token`);
    expect(standIn.jwksUri).toBe(`${standIn.url}.well-known/jwks.json`);
  });

  it('issues a token shaped like an Auth0 machine-to-machine token (JSON body)', async () => {
    const { status, headers, body } = await postJson(standIn.tokenUrl, validRequest);
    expect(status).toBe(200);
    expect(headers.get('cache-control')).toBe('no-store');
    expect(headers.get('content-type')).toMatch(/^application\/json/);
    expect(body).toEqual({
      access_token: expect.any(String),
      scope: 'read:customers write:interactions',
      expires_in: 86400,
      token_type: 'Bearer',
    });
    const { payload, protectedHeader } = await verify(body.access_token as string);
    const jwks = await get(standIn.jwksUri);
    expect(protectedHeader).toEqual({
      alg: 'RS256',
      typ: 'JWT',
      kid: (jwks.body.keys as Array<{ kid: string }>)[0]!.kid,
    });
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
    expect(Math.abs((payload.iat ?? 0) - Date.now() / 1000)).toBeLessThan(600);
  });

  it('accepts a form body (client_secret_post)', async () => {
    const { status, body } = await postForm(standIn.tokenUrl, validRequest);
    expect(status).toBe(200);
    expect((await verify(body.access_token as string)).payload.azp).toBe(
      auth0Defaults.DEFAULT_CLIENT_ID,
    );
  });

  it('accepts client_secret_basic, with RFC 6749 form-encoding of id and secret', async () => {
    const { status, body } = await postForm(
      standIn.tokenUrl,
      { grant_type: 'client_credentials', audience: 'urn:other' },
      { Authorization: basicAuth('other-client', 's3cret:with/odd chars') },
    );
    expect(status).toBe(200);
    // No scopes granted: Auth0 leaves `scope` out of both the response and the token.
    expect(body.scope).toBeUndefined();
    const { payload } = await verify(body.access_token as string, 'urn:other');
    expect(payload.sub).toBe('other-client@clients');
    expect(payload.scope).toBeUndefined();
  });

  it('narrows the scopes to those requested', async () => {
    const { status, body } = await postJson(standIn.tokenUrl, {
      ...validRequest,
      scope: 'read:customers',
    });
    expect(status).toBe(200);
    expect(body.scope).toBe('read:customers');
    expect((await verify(body.access_token as string)).payload.scope).toBe('read:customers');
  });

  it('uses the token lifetime set at run time', async () => {
    standIn.setTokenLifetime(120);
    try {
      const { body } = await postJson(standIn.tokenUrl, validRequest);
      expect(body.expires_in).toBe(120);
      const { payload } = await verify(body.access_token as string);
      expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(120);
    } finally {
      standIn.setTokenLifetime(86400);
    }
    expect(() => standIn.setTokenLifetime(0)).toThrow(/tokenLifetimeSeconds/);
  });

  it('publishes its discovery document and key set', async () => {
    const { status, body } = await get(`${standIn.url}.well-known/openid-configuration`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      issuer: standIn.issuer,
      jwks_uri: standIn.jwksUri,
      token_endpoint: standIn.tokenUrl,
      token_endpoint_auth_methods_supported: [
        'client_secret_basic',
        'client_secret_post',
        'private_key_jwt',
      ],
      token_endpoint_auth_signing_alg_values_supported: ['RS256', 'RS384', 'PS256'],
      dpop_signing_alg_values_supported: expect.arrayContaining(['ES256', 'PS256', 'RS256']),
    });
    expect(body.dpop_signing_alg_values_supported).not.toContain('none');
    expect(
      (body.dpop_signing_alg_values_supported as string[]).filter((a) => a.startsWith('HS')),
    ).toEqual([]);
    const jwks = await get(standIn.jwksUri);
    expect(jwks.body.keys).toEqual([
      {
        kty: 'RSA',
        use: 'sig',
        alg: 'RS256',
        kid: expect.any(String),
        n: expect.any(String),
        e: 'AQAB',
      },
    ]);
  });

  it('answers unknown paths with 404', async () => {
    expect((await get(`${standIn.url}nope`)).status).toBe(404);
  });
});
