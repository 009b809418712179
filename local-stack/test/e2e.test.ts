// The whole system as `npm start` runs it (the launcher's own startSystem, real child
// processes: both stand-ins, secure-api, twilio-run serving the built functions), on free
// ports with a temporary state directory, driven over HTTP like a browser or Studio would.
// Needs every package built (`npm test` builds first; by hand: `npm run build`).
// This file runs the client-secret and Bearer-only modes (LOCAL_CLIENT_AUTH=secret,
// LOCAL_DPOP=false); e2e-sender-constrained.test.ts runs the defaults (Private Key JWT, DPoP).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { postSigned, type SignedResponse } from '../src/bin/signed-request';
import { type RunningSystem } from '../src/launcher/system';
import { startE2eSystem, stopE2eSystem, tokenRequestWithSecret } from './e2e-system';

const JWT = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/;
const START_TIMEOUT_MS = 120_000;

let system: RunningSystem;
let stateDir: string;
const output: string[] = [];
const userEnvFiles = ['secure-api/.env', 'twilio-auth0-client/.env'];
let userEnvBefore: Array<string | null>;

function snapshotUserEnvFiles(root: string): Array<string | null> {
  return userEnvFiles.map((file) => {
    const path = join(root, file);
    return existsSync(path) ? `${statSync(path).mtimeMs}:${readFileSync(path, 'utf8')}` : null;
  });
}

beforeAll(async () => {
  userEnvBefore = snapshotUserEnvFiles(join(__dirname, '..', '..'));
  ({ system, stateDir } = await startE2eSystem('local-stack-e2e-', output, {
    dpop: 'off',
    clientAuth: 'secret',
  }));
}, START_TIMEOUT_MS);

afterAll(async () => {
  await stopE2eSystem(system, stateDir);
}, 30_000);

interface Diagnosis {
  status: number;
  text: string;
  body: {
    ok?: boolean;
    api?: { status: number; body: unknown };
    token?: {
      source: string;
      expiresAt: string | number;
      fingerprint: string;
      claims: Record<string, unknown>;
    };
    error?: { code: string; message: string };
  };
}

async function testApiCall(): Promise<Diagnosis> {
  const response = await fetch(system.urls.testApiCall, {
    headers: { Accept: 'application/json' },
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as Diagnosis['body'] };
}

function callProtected(
  path: string,
  params: Record<string, string>,
  signature: 'valid' | 'none' | 'wrong' = 'valid',
): Promise<SignedResponse> {
  return postSigned({
    url: `${system.urls.functions}${path}`,
    params,
    authToken: system.config.twilio.authToken,
    signature,
    timeoutMs: 30_000,
  });
}

async function auth0Control(path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${system.urls.auth0}__control/${path}`, {
    method: body === undefined && path === 'counters' ? 'GET' : 'POST',
    headers: { 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(response.status).toBeLessThan(300);
  return response.json();
}

async function tokensIssued(): Promise<number> {
  return ((await auth0Control('counters')) as { tokensIssued: number }).tokensIssued;
}

/** Drops the token cached in Sync, so the next invocation must ask the Auth0 stand-in. */
async function forgetCachedToken(): Promise<void> {
  const response = await fetch(`${syncDocumentsUrl()}/${system.config.twilio.syncTokenDocument}`, {
    method: 'DELETE',
    headers: { Authorization: syncAuthorization() },
  });
  expect([204, 404]).toContain(response.status);
}

function syncAuthorization(): string {
  const { accountSid, authToken } = system.config.twilio;
  return `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
}

function syncDocumentsUrl(): string {
  return `${system.urls.sync}/v1/Services/${system.config.twilio.syncServiceSid}/Documents`;
}

/** The token cache document as stored (its data is encrypted by the functions). */
async function syncDocument(): Promise<{ data: unknown; date_expires: string | null }> {
  const response = await fetch(`${syncDocumentsUrl()}/${system.config.twilio.syncTokenDocument}`, {
    headers: { Authorization: syncAuthorization() },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { data: unknown; date_expires: string | null };
}

async function restoreSyncDocument(saved: {
  data: unknown;
  date_expires: string | null;
}): Promise<void> {
  await forgetCachedToken();
  const form = new URLSearchParams({
    UniqueName: system.config.twilio.syncTokenDocument,
    Data: JSON.stringify(saved.data),
  });
  if (saved.date_expires !== null) {
    form.set(
      'Ttl',
      String(Math.max(1, Math.round((Date.parse(saved.date_expires) - Date.now()) / 1000))),
    );
  }
  const response = await fetch(syncDocumentsUrl(), {
    method: 'POST',
    headers: {
      Authorization: syncAuthorization(),
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: form.toString(),
  });
  expect(response.status).toBe(201);
}

async function apiAccessToken(): Promise<string> {
  const response = await tokenRequestWithSecret(system, system.config.auth0.clientSecret);
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

function expectApiSuccess(d: Diagnosis): void {
  expect(d.status).toBe(200);
  expect(d.body.api?.status).toBe(200);
  expect(d.text).not.toMatch(JWT);
}

function expiresAtMs(d: Diagnosis): number {
  const value = d.body.token?.expiresAt;
  if (typeof value === 'number') return value < 1e12 ? value * 1000 : value;
  return Date.parse(String(value));
}

describe('the system started by the launcher', () => {
  it('never touches the user’s own .env files', () => {
    expect(snapshotUserEnvFiles(join(__dirname, '..', '..'))).toEqual(userEnvBefore);
    expect(existsSync(join(stateDir, 'functions.env'))).toBe(true);
  });

  it('/test-api-call: an authenticated API call, the token fetched once then taken from the cache', async () => {
    const first = await testApiCall();
    expectApiSuccess(first);
    expect(first.body.ok).toBe(true);
    expect(first.body.token?.source).toBe('auth0');
    expect(first.body.token?.claims).toMatchObject({
      iss: system.urls.auth0,
      azp: system.config.auth0.clientId,
      sub: `${system.config.auth0.clientId}@clients`,
    });
    const second = await testApiCall();
    expectApiSuccess(second);
    expect(['sync', 'memory']).toContain(second.body.token?.source);
    expect(second.body.token?.fingerprint).toBe(first.body.token?.fingerprint);
    expect(await tokensIssued()).toBe(1);
  });

  it('/customer-lookup, signed with the run’s auth token: found and not found', async () => {
    const found = await callProtected('/customer-lookup', { phone: '+15005550001' });
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({
      found: true,
      id: 'cus_001',
      name: 'Ada Lovelace',
      tier: 'gold',
      phone: '+15005550001',
    });
    const missing = await callProtected('/customer-lookup', { phone: '+15005550099' });
    expect(missing.status).toBe(200);
    expect(missing.body).toMatchObject({ found: false, phone: '+15005550099' });
    expect(found.text + missing.text).not.toMatch(JWT);
  });

  it('/customer-lookup: 403 unsigned or wrongly signed, 400 for a malformed number', async () => {
    for (const signature of ['none', 'wrong'] as const) {
      const rejected = await callProtected(
        '/customer-lookup',
        { phone: '+15005550001' },
        signature,
      );
      expect(rejected.status).toBe(403);
      expect(rejected.body).toMatchObject({ error: { code: 'SIGNATURE_INVALID' } });
    }
    const malformed = await callProtected('/customer-lookup', { phone: '555-not-a-number' });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ error: { code: 'BAD_REQUEST' } });
  });

  it('/log-interaction, signed: the interaction is stored in secure-api', async () => {
    const summary = `Asked about the invoice ${Date.now()}`;
    const logged = await callProtected('/log-interaction', {
      customerId: 'cus_001',
      channel: 'voice',
      summary,
    });
    expect(logged.status).toBe(200);
    const { recorded, interactionId } = logged.body as { recorded: boolean; interactionId: string };
    expect(recorded).toBe(true);
    const unsigned = await callProtected(
      '/log-interaction',
      { customerId: 'cus_001', channel: 'sms', summary: 'unsigned' },
      'none',
    );
    expect(unsigned.status).toBe(403);

    const response = await fetch(`${system.urls.api}/customers/cus_001/interactions`, {
      headers: { Authorization: `Bearer ${await apiAccessToken()}` },
    });
    expect(response.status).toBe(200);
    const { items } = (await response.json()) as { items: Array<Record<string, unknown>> };
    expect(items).toContainEqual(
      expect.objectContaining({
        id: interactionId,
        customerId: 'cus_001',
        channel: 'voice',
        summary,
        recordedBy: system.config.auth0.clientId,
      }),
    );
    expect(items.some((item) => item.summary === 'unsigned')).toBe(false);
  });

  it('with a short token lifetime, asks the Auth0 stand-in for exactly one new token per expiry', async () => {
    await auth0Control('token-lifetime', { seconds: 6 });
    await forgetCachedToken();
    const before = await tokensIssued();
    let current = await testApiCall();
    expectApiSuccess(current);
    expect(current.body.token?.source).toBe('auth0');
    const fingerprints = new Set([current.body.token?.fingerprint]);
    for (let expiry = 1; expiry <= 2; expiry++) {
      // Wait out the token's life (a known event, not a timing threshold), then call at once.
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, expiresAtMs(current) - Date.now()) + 250),
      );
      const burst = await Promise.all([testApiCall(), testApiCall(), testApiCall()]);
      for (const d of burst) expectApiSuccess(d);
      for (const d of burst) fingerprints.add(d.body.token?.fingerprint);
      current = burst[0];
      expect(await tokensIssued()).toBe(before + 1 + expiry);
    }
    expect(fingerprints.size).toBe(3);
    // Back to a day-long token for the tests below.
    await auth0Control('token-lifetime', { seconds: 86_400 });
    await forgetCachedToken();
    expect((await testApiCall()).body.token?.source).toBe('auth0');
  }, 60_000);

  it('keeps working across a key rotation, from the cached token', async () => {
    await auth0Control('rotate');
    for (let i = 0; i < 2; i++) {
      const d = await testApiCall();
      expectApiSuccess(d);
      expect(['sync', 'memory']).toContain(d.body.token?.source);
    }
    const found = await callProtected('/customer-lookup', { phone: '+15005550001' });
    expect(found.body).toMatchObject({ found: true, id: 'cus_001' });
  });

  it('after a key rotation, a token signed with the new key is accepted', async () => {
    // Set the cached (old-key) token aside, so the tests below still have it.
    const saved = await syncDocument();
    await forgetCachedToken();
    const fresh = await testApiCall();
    await restoreSyncDocument(saved);
    expect(fresh.body.token?.source).toBe('auth0');
    expectApiSuccess(fresh);
  });

  it('keeps answering from the cache while the Auth0 stand-in is down', async () => {
    await system.stopPart('auth0');
    for (let i = 0; i < 2; i++) {
      const d = await testApiCall();
      expectApiSuccess(d);
      expect(['sync', 'memory']).toContain(d.body.token?.source);
    }
    const found = await callProtected('/customer-lookup', { phone: '+15005550002' });
    expect(found.body).toMatchObject({ found: true, id: 'cus_002' });
  });

  it('answers API_UNAVAILABLE, before its deadline, while secure-api is down', async () => {
    await system.stopPart('api');
    const d = await testApiCall();
    expect(d.status).toBeGreaterThanOrEqual(500);
    expect(d.body.error?.code).toBe('API_UNAVAILABLE');
    expect(d.text).not.toMatch(JWT);
  });

  it('logs no token, client secret or Twilio auth token', () => {
    const log = output.join('\n');
    expect(log).not.toMatch(JWT);
    expect(system.config.auth0.clientSecret).toEqual(expect.any(String));
    expect(log).not.toContain(system.config.auth0.clientSecret!);
    expect(log).not.toContain(system.config.twilio.authToken);
  });
});
