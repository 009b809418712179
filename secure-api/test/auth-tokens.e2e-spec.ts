// Section A of bad-input-and-faults.md: every kind of bad token against the real app,
// with the key set served by a real local HTTP server.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DPOP_ALGORITHMS } from '../src/auth/dpop-proof-key.js';
import type { JwksServer } from './support/jwks-server.js';
import { startKeySet, type KeySet } from './support/key-set.js';
import { createSigningKey, type TestSigningKey } from './support/signing-keys.js';
import { expectErrorAnswer, startTestApp, testConfig, type TestApp } from './support/test-app.js';
import {
  AUDIENCE,
  b64url,
  defaultClaims,
  mint,
  now,
  signHs256,
  signRaw,
} from './support/tokens.js';

/** AUTH0_DPOP_MODE=allowed (the default) offers both schemes. */
const BARE_CHALLENGES = `Bearer realm="secure-api", DPoP algs="${DPOP_ALGORITHMS.join(' ')}"`;

let jwks: JwksServer;
let key: TestSigningKey;
let strangerKey: TestSigningKey;
let api: TestApp;
let issuer: string;

function expectInvalidToken(response: {
  statusCode: number;
  headers: Record<string, unknown>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies under test
  json: () => any;
}): void {
  expectErrorAnswer(response, 401, 'invalid_token');
  expect(response.headers['www-authenticate']).toMatch(
    /^Bearer realm="secure-api", error="invalid_token"/,
  );
}

beforeAll(async () => {
  let keySet: KeySet;
  [strangerKey, keySet] = await Promise.all([createSigningKey('stranger'), startKeySet()]);
  ({ key, jwks } = keySet);
  issuer = jwks.issuer;
  api = await startTestApp(testConfig(issuer, jwks.uri));
});

afterAll(async () => {
  await api.close();
  await jwks.stop();
});

describe('valid tokens', () => {
  it('a valid token gets 200 from /secure with the verified caller', async () => {
    const token = await mint({ issuer, key });
    const response = await api.request({ url: '/secure', token });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      sub: 'test-m2m-client@clients',
      azp: 'test-m2m-client',
      scope: 'read:customers write:interactions',
      aud: AUDIENCE,
      iss: issuer,
      exp: expect.any(Number),
    });
  });

  it('a token expired 10 s ago is still accepted (clock leeway)', async () => {
    const token = await mint({ issuer, key, claims: { exp: now() - 10 } });
    expect((await api.request({ url: '/secure', token })).statusCode).toBe(200);
  });
});

describe('A. token validation', () => {
  it('A1: no Authorization header is 401 with a bare Bearer challenge (and DPoP, allowed mode)', async () => {
    const response = await api.request({ url: '/secure' });
    expectErrorAnswer(response, 401, 'unauthorized');
    expect(response.headers['www-authenticate']).toBe(BARE_CHALLENGES);
  });

  it('A2: wrong scheme is 401; Bearer with nothing or two parts is 400 invalid_request', async () => {
    const token = await mint({ issuer, key });
    const basic = await api.request({
      url: '/secure',
      headers: { authorization: 'Basic dXNlcjpwYXNz' },
    });
    expect(basic.statusCode).toBe(401);
    expect(basic.headers['www-authenticate']).toBe(BARE_CHALLENGES);
    for (const authorization of ['Bearer', 'Bearer ', `Bearer ${token} extra`, `Bearer a b`]) {
      const response = await api.request({ url: '/secure', headers: { authorization } });
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toBe('invalid_request');
      expect(response.headers['www-authenticate']).toMatch(
        /^Bearer realm="secure-api", error="invalid_request"/,
      );
    }
  });

  it('A2, with a token already verified: the header around it is judged as strictly', async () => {
    const token = await mint({ issuer, key });
    expect((await api.request({ url: '/secure', token })).statusCode).toBe(200); // now cached
    for (const authorization of [`Bearer ${token} extra`, `Bearer ${token} ${token}`]) {
      const response = await api.request({ url: '/secure', headers: { authorization } });
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toBe('invalid_request');
    }
    for (const authorization of [`bearer ${token}`, `Bearer  ${token}`, `BEARER ${token} `]) {
      const response = await api.request({ url: '/secure', headers: { authorization } });
      expect(response.statusCode).toBe(200);
    }
  });

  it('A3: a token in the query string or the body is not accepted', async () => {
    const token = await mint({ issuer, key });
    const query = await api.request({ url: `/secure?access_token=${token}` });
    expect(query.statusCode).toBe(401);
    expect(query.json().error).toBe('unauthorized');
    const body = await api.request({
      method: 'POST',
      url: '/customers/cus_001/interactions',
      payload: { access_token: token, channel: 'voice', summary: 'x' },
    });
    expect(body.statusCode).toBe(401);
    expect(body.json().error).toBe('unauthorized');
  });

  it('A4: not three segments, garbage, bad base64url, padding, whitespace are 401 invalid_token', async () => {
    const token = await mint({ issuer, key });
    const [h, p, s] = token.split('.') as [string, string, string];
    const bad = [
      `${h}.${p}`,
      `${h}.${p}.${s}.${s}`,
      'garbage',
      'a.b.c',
      `${h}.${p}.${s}=`,
      `${h}=.${p}.${s}`,
      `${h}.${p}+/.${s}`,
      `${h}.${p}.`,
      `${h}..${s}`,
      `%${h}.${p}.${s}`,
    ];
    for (const candidate of bad)
      expectInvalidToken(await api.request({ url: '/secure', token: candidate }));
    // Whitespace inside the credentials is a malformed header (two parts).
    const spaced = await api.request({
      url: '/secure',
      headers: { authorization: `Bearer ${h}. ${p}.${s}` },
    });
    expect(spaced.statusCode).toBe(400);
  });

  it('A5: header or payload not a JSON object, or invalid UTF-8, is 401', async () => {
    const claims = defaultClaims(issuer);
    const header = { alg: 'RS256', kid: key.kid };
    const candidates = [
      signRaw('[1,2]', claims, key.privateKey),
      signRaw('"RS256"', claims, key.privateKey),
      signRaw(header, '[]', key.privateKey),
      signRaw(header, '42', key.privateKey),
      signRaw(header, 'null', key.privateKey),
      signRaw(header, 'not json', key.privateKey),
    ];
    const invalidUtf8 = Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]).toString(
      'base64url',
    );
    const valid = signRaw(header, claims, key.privateKey).split('.');
    candidates.push(`${valid[0]}.${invalidUtf8}.${valid[2]}`);
    candidates.push(`${invalidUtf8}.${valid[1]}.${valid[2]}`);
    for (const candidate of candidates)
      expectInvalidToken(await api.request({ url: '/secure', token: candidate }));
  });

  it('A6: alg none is rejected with 401 invalid_token', async () => {
    const claims = defaultClaims(issuer);
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      const unsigned = `${b64url({ alg, typ: 'JWT', kid: key.kid })}.${b64url(claims)}.`;
      expectInvalidToken(await api.request({ url: '/secure', token: unsigned }));
      const fakeSig = `${unsigned}c2lnbmF0dXJl`;
      expectInvalidToken(await api.request({ url: '/secure', token: fakeSig }));
    }
  });

  it('A7: HS256 signed with the RSA public key as the HMAC secret (PEM and JWK forms) is 401', async () => {
    const claims = defaultClaims(issuer);
    const header = { alg: 'HS256', typ: 'JWT', kid: key.kid };
    const pem = key.publicKey.export({ type: 'spki', format: 'pem' });
    const pkcs1 = key.publicKey.export({ type: 'pkcs1', format: 'pem' });
    const jwkJson = JSON.stringify(key.jwk);
    for (const secret of [pem, pkcs1, jwkJson, key.jwk.n ?? '']) {
      expectInvalidToken(
        await api.request({ url: '/secure', token: signHs256(header, claims, secret) }),
      );
    }
  });

  it('A8: any alg other than RS256 is 401 (RS384, RS512, PS256, ES256, HS512, rs256)', async () => {
    const claims = defaultClaims(issuer);
    const valid = signRaw({ alg: 'RS256', kid: key.kid }, claims, key.privateKey).split('.');
    for (const alg of ['RS384', 'RS512', 'PS256', 'ES256', 'HS512', 'rs256', '', null, 1]) {
      // A real RS256 signature under a header that claims another alg.
      const token = `${b64url({ alg, kid: key.kid })}.${valid[1]}.${valid[2]}`;
      expectInvalidToken(await api.request({ url: '/secure', token }));
    }
    const noAlg = `${b64url({ kid: key.kid })}.${valid[1]}.${valid[2]}`;
    expectInvalidToken(await api.request({ url: '/secure', token: noAlg }));
  });

  it('A9: a tampered payload, or a token signed by a key not in the JWKS, is 401', async () => {
    const token = await mint({ issuer, key });
    const [h, , s] = token.split('.');
    const tampered = `${h}.${b64url({ ...defaultClaims(issuer), scope: 'admin' })}.${s}`;
    expectInvalidToken(await api.request({ url: '/secure', token: tampered }));
    const flipped = `${token.slice(0, -2)}${token.endsWith('AA') ? 'AB' : 'AA'}`;
    expectInvalidToken(await api.request({ url: '/secure', token: flipped }));
    // Signed by another key, under the kid of the real one.
    const forged = await mint({ issuer, key: { ...strangerKey, kid: key.kid } });
    expectInvalidToken(await api.request({ url: '/secure', token: forged }));
  });

  it('A10: exp in the past beyond the leeway is 401', async () => {
    const token = await mint({ issuer, key, claims: { iat: now() - 7200, exp: now() - 120 } });
    expectInvalidToken(await api.request({ url: '/secure', token }));
  });

  it('A11: exp missing or not a number is 401 (jsonwebtoken alone would accept a missing exp)', async () => {
    expectInvalidToken(
      await api.request({ url: '/secure', token: await mint({ issuer, key, omit: ['exp'] }) }),
    );
    for (const exp of ['9999999999', null, true, { n: 1 }]) {
      const token = signRaw(
        { alg: 'RS256', kid: key.kid },
        { ...defaultClaims(issuer), exp },
        key.privateKey,
      );
      expectInvalidToken(await api.request({ url: '/secure', token }));
    }
  });

  it('A12: nbf in the future or iat in the future is 401', async () => {
    expectInvalidToken(
      await api.request({
        url: '/secure',
        token: await mint({ issuer, key, claims: { nbf: now() + 600 } }),
      }),
    );
    expectInvalidToken(
      await api.request({
        url: '/secure',
        token: await mint({ issuer, key, claims: { iat: now() + 600, exp: now() + 4000 } }),
      }),
    );
    const withinLeeway = await mint({ issuer, key, claims: { nbf: now() + 5, iat: now() + 5 } });
    expect((await api.request({ url: '/secure', token: withinLeeway })).statusCode).toBe(200);
  });

  it('A13: iss wrong, missing, or without the trailing slash is 401', async () => {
    const withoutSlash = issuer.replace(/\/$/, '');
    for (const iss of [
      'https://evil.example.com/',
      withoutSlash,
      `${issuer}/`,
      issuer.toUpperCase(),
    ]) {
      expectInvalidToken(
        await api.request({ url: '/secure', token: await mint({ issuer, key, claims: { iss } }) }),
      );
    }
    expectInvalidToken(
      await api.request({ url: '/secure', token: await mint({ issuer, key, omit: ['iss'] }) }),
    );
  });

  it('A14: aud wrong or missing is 401; an aud array containing ours is 200', async () => {
    for (const aud of ['https://other.api', `${AUDIENCE}/`, ['https://other.api'], []]) {
      expectInvalidToken(
        await api.request({ url: '/secure', token: await mint({ issuer, key, claims: { aud } }) }),
      );
    }
    expectInvalidToken(
      await api.request({ url: '/secure', token: await mint({ issuer, key, omit: ['aud'] }) }),
    );
    const multi = await mint({ issuer, key, claims: { aud: ['https://other.api', AUDIENCE] } });
    const response = await api.request({ url: '/secure', token: multi });
    expect(response.statusCode).toBe(200);
    expect(response.json().aud).toEqual(['https://other.api', AUDIENCE]);
  });

  it('A15: sub missing is 401', async () => {
    expectInvalidToken(
      await api.request({ url: '/secure', token: await mint({ issuer, key, omit: ['sub'] }) }),
    );
    expectInvalidToken(
      await api.request({
        url: '/secure',
        token: await mint({ issuer, key, claims: { sub: '' } }),
      }),
    );
  });

  it('A16: an unknown crit header entry is 401', async () => {
    const token = signRaw(
      { alg: 'RS256', kid: key.kid, crit: ['urn:example:unknown'], 'urn:example:unknown': true },
      defaultClaims(issuer),
      key.privateKey,
    );
    expectInvalidToken(await api.request({ url: '/secure', token }));
  });

  it('A17: jku, x5u, jwk and x5c headers are ignored and trigger no outbound request', async () => {
    let attackerHits = 0;
    const attacker = http.createServer((_req, res) => {
      attackerHits += 1;
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ keys: [strangerKey.jwk] }));
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    const attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/jwks.json`;
    try {
      const jwksBefore = jwks.requests;
      const claims = defaultClaims(issuer);
      // Signed by the attacker's key, pointing at the attacker's key set in every way.
      const headers = [
        { jku: attackerUrl },
        { x5u: attackerUrl },
        { jwk: strangerKey.jwk },
        { x5c: ['MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'] },
      ];
      for (const extra of headers) {
        const token = signRaw(
          { alg: 'RS256', kid: strangerKey.kid, ...extra },
          claims,
          strangerKey.privateKey,
        );
        const response = await api.request({ url: '/secure', token });
        expect(response.statusCode).toBe(401);
      }
      // A legitimately signed token carrying the same headers still validates on our key set only.
      const good = signRaw(
        { alg: 'RS256', kid: key.kid, jku: attackerUrl, x5u: attackerUrl },
        claims,
        key.privateKey,
      );
      expect((await api.request({ url: '/secure', token: good })).statusCode).toBe(200);
      expect(attackerHits).toBe(0);
      // The unknown kid 'stranger' may cause at most one refetch of OUR key set (cooldown).
      expect(jwks.requests - jwksBefore).toBeLessThanOrEqual(1);
    } finally {
      await new Promise<void>((resolve) => attacker.close(() => resolve()));
    }
  });

  it('A18: hostile kids (not a string, traversal, quotes, 10 KB) are 401, no crash, no fetch storm', async () => {
    const claims = defaultClaims(issuer);
    const before = jwks.requests;
    const kids: unknown[] = [
      42,
      null,
      ['key-1'],
      { $ne: null },
      '../../etc/passwd',
      '"; DROP TABLE customers; --',
      'key-1\u0000',
      'k'.repeat(10_240),
      '',
    ];
    for (const kid of kids) {
      const token = signRaw({ alg: 'RS256', kid }, claims, key.privateKey);
      expectInvalidToken(await api.request({ url: '/secure', token }));
    }
    expect(jwks.requests - before).toBeLessThanOrEqual(1);
    expect(
      (await api.request({ url: '/secure', token: await mint({ issuer, key }) })).statusCode,
    ).toBe(200);
  });

  it('A19: an oversized header block is 431 from the server, and the process keeps serving', async () => {
    const { port } = api;
    const status = await new Promise<number>((resolve, reject) => {
      const request = http.get(
        {
          host: '127.0.0.1',
          port,
          path: '/health',
          agent: false,
          headers: { 'x-filler': 'a'.repeat(64 * 1024) },
        },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      request.on('error', reject);
    });
    expect(status).toBe(431);
    const after = await api.request({ url: '/health' });
    expect(after.statusCode).toBe(200);
  });

  it('A20: a valid token without the route scope is 403 insufficient_scope naming the scope', async () => {
    const token = await mint({ issuer, key, claims: { scope: 'write:interactions' } });
    const response = await api.request({ url: '/customers?phone=%2B15005550001', token });
    expectErrorAnswer(response, 403, 'insufficient_scope');
    expect(response.headers['www-authenticate']).toBe(
      `Bearer realm="secure-api", error="insufficient_scope", error_description="The access token lacks a required scope", scope="read:customers", DPoP algs="${DPOP_ALGORITHMS.join(' ')}"`,
    );
  });

  it('A21: error bodies carry a stable code and short message, no stack, no token echo, safe headers', async () => {
    const token = await mint({
      issuer,
      key,
      claims: { aud: 'https://other.api"\r\nX-Injected: 1' },
    });
    const responses = [
      await api.request({ url: '/secure', token }),
      await api.request({ url: '/secure', token: `${token}"\r\n` }).catch(() => undefined),
      await api.request({ url: '/secure', token: 'x'.repeat(9000) }),
      await api.request({ url: '/no-such-route' }),
    ];
    for (const response of responses) {
      if (!response) continue;
      const body = response.json();
      expect(Object.keys(body).sort()).toEqual(['error', 'message', 'statusCode']);
      expect(body.error).toMatch(/^[a-z_]+$/);
      expect(body.message.length).toBeLessThan(120);
      expect(response.body).not.toContain(token);
      expect(response.body).not.toMatch(/at .+\.(js|ts):\d+/);
      expect(response.headers['x-injected']).toBeUndefined();
      const challenge = response.headers['www-authenticate'];
      if (typeof challenge === 'string') expect(challenge).toMatch(/^[\x20-\x7e]+$/);
    }
    expect(api.logs.join('\n')).not.toContain(token);
  });
});
