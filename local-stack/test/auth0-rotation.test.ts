// Key rotation: the new key signs at once, the old one stays in the key set for the grace
// period (tokens it signed still verify) and is then retired.
import { afterEach, describe, expect, it } from '@jest/globals';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { auth0Defaults, startAuth0StandIn, type Auth0StandIn } from '../src';
import { get, postJson, validRequest } from './auth0-requests';

const running: Auth0StandIn[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function start(rotationGraceSeconds?: number): Promise<Auth0StandIn> {
  const standIn = await startAuth0StandIn(
    rotationGraceSeconds === undefined ? {} : { rotationGraceSeconds },
  );
  running.push(standIn);
  return standIn;
}

async function token(standIn: Auth0StandIn): Promise<string> {
  const { body } = await postJson(standIn.tokenUrl, validRequest);
  return body.access_token as string;
}

async function kids(standIn: Auth0StandIn): Promise<string[]> {
  const { body } = await get(standIn.jwksUri);
  return (body.keys as Array<{ kid: string }>).map((k) => k.kid);
}

/** Verifies against a fresh key-set fetch, as a newly started API would. */
function verify(standIn: Auth0StandIn, jwt: string) {
  return jwtVerify(jwt, createRemoteJWKSet(new URL(standIn.jwksUri)), {
    issuer: standIn.issuer,
    audience: auth0Defaults.DEFAULT_AUDIENCE,
  });
}

describe('Auth0 stand-in key rotation', () => {
  it('signs with the new key and keeps the old one during the grace period', async () => {
    const standIn = await start(3600);
    const before = await token(standIn);
    const [oldKid] = await kids(standIn);
    const { kid: newKid } = await standIn.rotateKeys();
    expect(newKid).not.toBe(oldKid);
    expect(await kids(standIn)).toEqual([newKid, oldKid]);

    const after = await token(standIn);
    expect(decodeProtectedHeader(after).kid).toBe(newKid);
    expect(decodeProtectedHeader(before).kid).toBe(oldKid);
    await expect(verify(standIn, before)).resolves.toBeDefined();
    await expect(verify(standIn, after)).resolves.toBeDefined();
  });

  it('keeps a rotated-out key for the token lifetime by default', async () => {
    const standIn = await start();
    const [oldKid] = await kids(standIn);
    const { kid } = await standIn.rotateKeys();
    expect(await kids(standIn)).toEqual([kid, oldKid]);
  });

  it('retires the old key once the grace period is over', async () => {
    const standIn = await start(0.3);
    const before = await token(standIn);
    const [oldKid] = await kids(standIn);
    const { kid } = await standIn.rotateKeys();
    let current = await kids(standIn);
    for (let i = 0; i < 100 && current.includes(oldKid!); i++) {
      await new Promise((r) => setTimeout(r, 50));
      current = await kids(standIn);
    }
    expect(current).toEqual([kid]);
    await expect(verify(standIn, before)).rejects.toMatchObject({
      code: 'ERR_JWKS_NO_MATCHING_KEY',
    });
    await expect(verify(standIn, await token(standIn))).resolves.toBeDefined();
  });

  it('with no grace period the old key disappears at once', async () => {
    const standIn = await start(0);
    const before = await token(standIn);
    const { kid } = await standIn.rotateKeys();
    expect(await kids(standIn)).toEqual([kid]);
    await expect(verify(standIn, before)).rejects.toMatchObject({
      code: 'ERR_JWKS_NO_MATCHING_KEY',
    });
  });

  it('rotates twice: three keys while both old ones are in their grace period', async () => {
    const standIn = await start(3600);
    const [first] = await kids(standIn);
    const { kid: second } = await standIn.rotateKeys();
    const { kid: third } = await standIn.rotateKeys();
    expect(await kids(standIn)).toEqual([third, second, first]);
  });
});
