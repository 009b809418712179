// Private Key JWT at the Auth0 stand-in's token endpoint (RFC 7523 client assertions, as Auth0
// documents them): every check on its own, two credentials for rotation, the captured
// requests, and assertions made by oauth4webapi's PrivateKeyJwt.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { decodeJwt, exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import * as oauth from 'oauth4webapi';
import { auth0Defaults, CLIENT_ASSERTION_TYPE, startAuth0StandIn, type Auth0StandIn } from '../src';
import { postForm, postJson, type HttpAnswer } from './auth0-requests';
import { b64 } from './dpop-proofs';

const CLIENT = 'pkjwt-client';
const BOTH = 'secret-and-key-client';
const SECRET_ONLY = auth0Defaults.DEFAULT_CLIENT_ID;
const AUDIENCE = auth0Defaults.DEFAULT_AUDIENCE;

interface KeyPair {
  privateKey: CryptoKey;
  pem: string;
}

let standIn: Auth0StandIn;
let current: KeyPair;
let next: KeyPair;
let stranger: KeyPair;

async function rsaPair(alg = 'RS256'): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, pem: await exportSPKI(publicKey) };
}

beforeAll(async () => {
  [current, next, stranger] = await Promise.all([rsaPair(), rsaPair(), rsaPair()]);
  standIn = await startAuth0StandIn({
    clients: [
      {
        clientId: SECRET_ONLY,
        clientSecret: auth0Defaults.DEFAULT_CLIENT_SECRET,
        grants: { [AUDIENCE]: auth0Defaults.DEFAULT_SCOPES },
      },
      {
        clientId: CLIENT,
        publicKeys: [
          { pem: current.pem, kid: 'cred-current' },
          { pem: next.pem, kid: 'cred-next', algorithms: ['PS256'] },
        ],
        grants: { [AUDIENCE]: auth0Defaults.DEFAULT_SCOPES },
      },
      {
        clientId: BOTH,
        clientSecret: 'both-secret-value',
        publicKeys: [current.pem],
        grants: { [AUDIENCE]: [] },
      },
    ],
  });
});
afterAll(() => standIn.close());

interface AssertionShape {
  alg?: string;
  kid?: string | undefined;
  key?: CryptoKey;
  claims?: Record<string, unknown>;
}

/** An assertion as Auth0 documents it, valid unless `shape` changes one thing. */
async function assertion(shape: AssertionShape = {}, clientId = CLIENT): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: clientId,
    sub: clientId,
    aud: standIn.issuer,
    iat: now,
    exp: now + 60,
    jti: randomUUID(),
    ...shape.claims,
  };
  const header = {
    alg: shape.alg ?? 'RS256',
    ...('kid' in shape
      ? shape.kid === undefined
        ? {}
        : { kid: shape.kid }
      : { kid: 'cred-current' }),
  };
  const kept = Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined));
  return new SignJWT(kept).setProtectedHeader(header).sign(shape.key ?? current.privateKey);
}

function tokenRequest(clientAssertion: string, extra: Record<string, string> = {}) {
  return postForm(standIn.tokenUrl, {
    grant_type: 'client_credentials',
    client_assertion_type: CLIENT_ASSERTION_TYPE,
    client_assertion: clientAssertion,
    audience: AUDIENCE,
    ...extra,
  });
}

/** A token request that authenticates with a client secret (JSON body, as SDKs send it). */
function secretRequest(clientId: string, clientSecret: string) {
  return postJson(standIn.tokenUrl, {
    grant_type: 'client_credentials',
    client_id: clientId,
    client_secret: clientSecret,
    audience: AUDIENCE,
  });
}

function expectRefused(answer: HttpAnswer, reason: RegExp): void {
  expect(answer.status).toBe(401);
  expect(answer.body).toEqual({ error: 'access_denied', error_description: expect.any(String) });
  expect(answer.body.error_description).toMatch(/^Invalid client assertion: /);
  expect(answer.body.error_description).toMatch(reason);
  expect(answer.body.access_token).toBeUndefined();
}

describe('Private Key JWT client assertions', () => {
  it('SA30: a valid assertion is accepted, with no secret anywhere', async () => {
    const answer = await tokenRequest(await assertion());
    expect(answer.status).toBe(200);
    expect(answer.body.token_type).toBe('Bearer');
    const claims = decodeJwt(answer.body.access_token as string);
    expect(claims.sub).toBe(`${CLIENT}@clients`);
    expect(claims.azp).toBe(CLIENT);
  });

  it('SA31: an assertion signed with a key that is not registered is refused', async () => {
    expectRefused(await tokenRequest(await assertion({ key: stranger.privateKey })), /signature/);
    const noKid = await assertion({ key: stranger.privateKey, kid: undefined });
    expectRefused(await tokenRequest(noKid), /signature/);
  });

  it('SA32: an assertion with an unknown kid is refused', async () => {
    expectRefused(await tokenRequest(await assertion({ kid: 'cred-unknown' })), /unknown kid/);
  });

  it('SA33: an expired assertion is refused (beyond the 10 s skew)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await assertion({ claims: { iat: now - 120, exp: now - 30 } });
    expectRefused(await tokenRequest(expired), /expired/);
    // Inside the skew: accepted.
    const justExpired = await assertion({ claims: { iat: now - 60, exp: now - 3 } });
    expect((await tokenRequest(justExpired)).status).toBe(200);
  });

  it('SA34: an assertion whose exp is more than 5 minutes after iat is refused', async () => {
    const now = Math.floor(Date.now() / 1000);
    expectRefused(
      await tokenRequest(await assertion({ claims: { exp: now + 301 } })),
      /more than 5 minutes/,
    );
    const noIat = await assertion({ claims: { iat: undefined, exp: now + 600 } });
    expectRefused(await tokenRequest(noIat), /more than 5 minutes/);
    expect((await tokenRequest(await assertion({ claims: { exp: now + 300 } }))).status).toBe(200);
  });

  it('SA35: an assertion without exp is refused', async () => {
    expectRefused(await tokenRequest(await assertion({ claims: { exp: undefined } })), /exp/);
  });

  it('SA36: an assertion for another audience is refused; the token URL is accepted', async () => {
    for (const aud of ['https://tenant.example/', standIn.issuer.slice(0, -1)]) {
      expectRefused(await tokenRequest(await assertion({ claims: { aud } })), /aud/);
    }
    const tokenUrl = await assertion({ claims: { aud: standIn.tokenUrl } });
    expect((await tokenRequest(tokenUrl)).status).toBe(200);
  });

  it('SA37: an assertion whose iss differs from sub is refused', async () => {
    expectRefused(
      await tokenRequest(await assertion({ claims: { sub: SECRET_ONLY } })),
      /iss and sub/,
    );
  });

  it('SA38: a reused jti is refused', async () => {
    const once = await assertion();
    expect((await tokenRequest(once)).status).toBe(200);
    expectRefused(await tokenRequest(once), /already been used/);
    // A new assertion with the same jti is a reuse too.
    const jti = decodeJwt(once).jti as string;
    expectRefused(await tokenRequest(await assertion({ claims: { jti } })), /already been used/);
  });

  it('SA39: an assertion with alg none is refused', async () => {
    const header = b64({ alg: 'none', kid: 'cred-current' });
    const now = Math.floor(Date.now() / 1000);
    const payload = b64({ iss: CLIENT, sub: CLIENT, aud: standIn.issuer, exp: now + 60, jti: 'n' });
    expectRefused(await tokenRequest(`${header}.${payload}.`), /alg none/);
  });

  it('SA40: an assertion with HS256 keyed with the public key is refused', async () => {
    const header = b64({ alg: 'HS256', kid: 'cred-current' });
    const now = Math.floor(Date.now() / 1000);
    const payload = b64({ iss: CLIENT, sub: CLIENT, aud: standIn.issuer, exp: now + 60, jti: 'h' });
    const mac = createHmac('sha256', current.pem)
      .update(`${header}.${payload}`)
      .digest('base64url');
    expectRefused(await tokenRequest(`${header}.${payload}.${mac}`), /alg HS256/);
  });

  it('SA41: an alg the credential was not registered with is refused', async () => {
    // cred-next is registered for PS256 only.
    const rs256 = await assertion({ kid: 'cred-next', key: next.privateKey, alg: 'RS256' });
    expectRefused(await tokenRequest(rs256), /alg RS256/);
  });

  it('SA42: a client with no registered key is refused', async () => {
    const answer = await tokenRequest(await assertion({}, SECRET_ONLY));
    expectRefused(answer, /no registered public key/);
  });

  it('SA43: iss, sub or jti longer than 64 characters is refused', async () => {
    expectRefused(
      await tokenRequest(await assertion({ claims: { jti: 'j'.repeat(65) } })),
      /at most 64/,
    );
    const longId = 'c'.repeat(65);
    const long = await startAuth0StandIn({
      clients: [{ clientId: longId, publicKeys: [current.pem], grants: { [AUDIENCE]: [] } }],
    });
    try {
      const a = await assertion({ kid: undefined, claims: { aud: long.issuer } }, longId);
      const answer = await postForm(long.tokenUrl, {
        grant_type: 'client_credentials',
        client_assertion_type: CLIENT_ASSERTION_TYPE,
        client_assertion: a,
        audience: AUDIENCE,
      });
      expectRefused(answer, /at most 64/);
    } finally {
      await long.close();
    }
  });

  it('SA44: the second credential (rotation) is accepted, chosen by kid or by trying', async () => {
    const pss = await asPss(next);
    const byKid = await assertion({ kid: 'cred-next', key: pss, alg: 'PS256' });
    expect((await tokenRequest(byKid)).status).toBe(200);
    const noKid = await assertion({ kid: undefined, key: pss, alg: 'PS256' });
    expect((await tokenRequest(noKid)).status).toBe(200);
  });

  it('SA45: a secret and an assertion in one request are refused (one method only)', async () => {
    const answer = await tokenRequest(await assertion({}, BOTH), {
      client_id: BOTH,
      client_secret: 'both-secret-value',
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('invalid_request');
  });

  it('SA46: a wrong client_assertion_type or a missing assertion is refused (400)', async () => {
    const answer = await tokenRequest(await assertion(), {
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer',
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('invalid_request');
    const missing = await postJson(standIn.tokenUrl, {
      grant_type: 'client_credentials',
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_id: CLIENT,
      audience: AUDIENCE,
    });
    expect(missing.status).toBe(400);
    expect(missing.body.error_description).toBe('Missing required parameter: client_assertion');
  });

  it('SA47: a client_id that differs from the assertion’s iss is refused', async () => {
    const answer = await tokenRequest(await assertion(), { client_id: BOTH });
    expect(answer.status).toBe(401);
    expect(answer.body.error).toBe('access_denied');
  });

  it('SA48: a client registered with keys only cannot use a secret', async () => {
    const answer = await secretRequest(CLIENT, '');
    // An empty secret is no secret: a failed client authentication, like a wrong one.
    expect(answer.status).toBe(401);
    const guessed = await secretRequest(CLIENT, 'anything');
    expect(guessed.status).toBe(401);
  });

  it('SA49: a client with both a secret and a key may use either', async () => {
    expect((await tokenRequest(await assertion({ kid: undefined }, BOTH))).status).toBe(200);
    const bySecret = await secretRequest(BOTH, 'both-secret-value');
    expect(bySecret.status).toBe(200);
  });

  it('SA50: registering a non-RSA, short or third public key is refused at start', async () => {
    const ec = await generateKeyPair('ES256', { extractable: true });
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    const smallPem = small.export({ type: 'spki', format: 'pem' }).toString();
    for (const pem of [await exportSPKI(ec.publicKey), smallPem, 'x']) {
      await expect(
        startAuth0StandIn({ clients: [{ clientId: 'c', publicKeys: [pem], grants: {} }] }),
      ).rejects.toThrow(/RSA SPKI PEM of at least 2048 bits/);
    }
    await expect(
      startAuth0StandIn({
        clients: [{ clientId: 'c', publicKeys: [current.pem, next.pem, stranger.pem], grants: {} }],
      }),
    ).rejects.toThrow('at most 2 public keys');
    await expect(startAuth0StandIn({ clients: [{ clientId: 'c', grants: {} }] })).rejects.toThrow(
      'a clientSecret or public keys',
    );
  });
});

describe('captured token requests', () => {
  it('SA51: the stand-in captures each token request; the control summary holds no credential', async () => {
    const control = await startAuth0StandIn({
      enableControl: true,
      clients: [{ clientId: CLIENT, publicKeys: [current.pem], grants: { [AUDIENCE]: [] } }],
    });
    try {
      const a = await assertion({ kid: undefined, claims: { aud: control.issuer } });
      await postForm(control.tokenUrl, {
        grant_type: 'client_credentials',
        client_assertion_type: CLIENT_ASSERTION_TYPE,
        client_assertion: a,
        audience: AUDIENCE,
      });
      await postJson(control.tokenUrl, {
        ...{ grant_type: 'client_credentials' },
        client_id: CLIENT,
        client_secret: 'leaked?',
        audience: AUDIENCE,
      });
      // A malformed form body: a pasted secret with no `=` must not come back as a "name".
      await fetch(control.tokenUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'client_secret:pasted-secret-value',
      });
      const raw = control.tokenRequests();
      expect(raw).toHaveLength(3);
      expect(raw[0]!.body).toContain(a);
      expect(raw[1]!.body).toContain('leaked?');
      const summary = await fetch(`${control.url}__control/token-requests`);
      const text = await summary.text();
      expect(text).not.toContain(a);
      expect(text).not.toContain('leaked?');
      expect(text).not.toContain('pasted-secret-value');
      expect(JSON.parse(text)).toEqual({
        requests: [
          expect.objectContaining({
            parameters: ['grant_type', 'client_assertion_type', 'client_assertion', 'audience'],
            clientSecretSent: false,
            clientAssertionSent: true,
            dpopProofSent: false,
          }),
          expect.objectContaining({ clientSecretSent: true, clientAssertionSent: false }),
          expect.objectContaining({ parameters: ['(malformed)'], clientSecretSent: false }),
        ],
      });
      await fetch(`${control.url}__control/token-requests`, { method: 'DELETE' });
      expect(control.tokenRequests()).toEqual([]);
    } finally {
      await control.close();
    }
  });
});

describe('interop', () => {
  it('SA52: the stand-in accepts assertions made by oauth4webapi’s PrivateKeyJwt', async () => {
    const as: oauth.AuthorizationServer = {
      issuer: standIn.issuer,
      token_endpoint: standIn.tokenUrl,
    };
    const client: oauth.Client = { client_id: CLIENT };
    for (const [pair, kid] of [
      [current, 'cred-current'],
      [next, 'cred-next'],
    ] as const) {
      // oauth4webapi picks the JWS alg from the key: RSASSA-PKCS1-v1_5 → RS256, RSA-PSS → PS256.
      const key = kid === 'cred-next' ? await asPss(pair) : pair.privateKey;
      const response = await oauth.clientCredentialsGrantRequest(
        as,
        client,
        oauth.PrivateKeyJwt({ key, kid }),
        { audience: AUDIENCE },
        { [oauth.allowInsecureRequests]: true },
      );
      const result = await oauth.processClientCredentialsResponse(as, client, response);
      expect(decodeJwt(result.access_token).azp).toBe(CLIENT);
    }
  });
});

/** The same RSA private key, imported for RSA-PSS (so oauth4webapi signs PS256). */
async function asPss(pair: KeyPair): Promise<CryptoKey> {
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', pair.privateKey);
  return crypto.subtle.importKey('pkcs8', pkcs8, { name: 'RSA-PSS', hash: 'SHA-256' }, false, [
    'sign',
  ]);
}
