// The whole system in its default modes, as `npm start` runs it: Private Key JWT towards the
// Auth0 stand-in (no client secret anywhere) and DPoP-bound tokens (stand-in and secure-api on
// `allowed`), real child processes on free ports, with a temporary state directory. Also the
// design card's third way in: a Bearer token from `npm run token`, then curl against the API.
// e2e.test.ts runs the client-secret and Bearer-only modes.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { type RunningSystem } from '../src/launcher/system';
import { type TokenRequestSummary } from '../src';
import { startE2eSystem, stopE2eSystem, tokenRequestWithSecret } from './e2e-system';
import { printToken } from './print-token';

const JWT = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/;

let system: RunningSystem;
let stateDir: string;
const output: string[] = [];

beforeAll(async () => {
  ({ system, stateDir } = await startE2eSystem('local-stack-e2e-dpop-', output));
}, 120_000);

afterAll(async () => {
  await stopE2eSystem(system, stateDir);
}, 30_000);

function functionsEnvFile(): Record<string, string | undefined> {
  return parseEnv(readFileSync(system.config.functionsEnvFile, 'utf8'));
}

async function tokenRequests(): Promise<TokenRequestSummary[]> {
  const response = await fetch(`${system.urls.auth0}__control/token-requests`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { requests: TokenRequestSummary[] }).requests;
}

describe('the local system in its default modes (Private Key JWT, DPoP allowed)', () => {
  it('LS20: no client secret exists: not in the functions’ settings, not at the stand-in', async () => {
    const env = functionsEnvFile();
    expect(env.AUTH0_CLIENT_SECRET).toBeUndefined();
    expect(env.AUTH0_CLIENT_ASSERTION_KEY).toEqual(expect.any(String));
    expect(env.DPOP_PRIVATE_KEY).toEqual(expect.any(String));
    expect(env.API_BASE_URL).toBe(system.urls.api);
    const guess = await tokenRequestWithSecret(system, 'local-m2m-secret-change-me');
    expect(guess.status).toBe(401);
  });

  it('LS21: curl with the token from `npm run token` gets 200 from /secure (Bearer in allowed mode)', async () => {
    const { code, out, err } = await printToken(stateDir);
    expect({ code, err }).toEqual({ code: 0, err: '' });
    const token = out.trim();
    expect(token).toMatch(JWT);
    const secure = await fetch(`${system.urls.api}/secure`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(secure.status).toBe(200);
    const lookup = await fetch(`${system.urls.api}/customers?phone=%2B15005550001`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(lookup.status).toBe(200);
    // The README's third curl command.
    const logged = await fetch(`${system.urls.api}/customers/cus_001/interactions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ channel: 'voice', summary: 'Asked about billing' }),
    });
    expect(logged.status).toBe(201);
  });

  it('LS22: /test-api-call makes a DPoP-bound call: the token’s cnf.jkt is the functions’ key', async () => {
    const response = await fetch(system.urls.testApiCall, {
      headers: { Accept: 'application/json' },
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    expect(response.status).toBe(200);
    const body = JSON.parse(text) as {
      api?: { status: number };
      token?: { type?: string; jkt?: string };
    };
    expect(body.api?.status).toBe(200);
    const { d: _private, ...publicJwk } = JSON.parse(functionsEnvFile().DPOP_PRIVATE_KEY!) as JWK;
    const jkt = await calculateJwkThumbprint(publicJwk);
    expect(body.token?.jkt).toBe(jkt);
    expect(body.token?.type).toBe('DPoP');
    expect(text).not.toMatch(JWT);
  });

  it('LS23: every token request of the functions carried an assertion and a proof, never a secret', async () => {
    const requests = await tokenRequests();
    // Two requests carry no proof: LS20's guess with a made-up secret (refused) and LS21's
    // `npm run token` (an assertion). Every other one came from the functions.
    const fromFunctions = requests.filter((r) => r.dpopProofSent);
    expect(fromFunctions.length).toBeGreaterThanOrEqual(1);
    expect(requests.filter((r) => !r.dpopProofSent).length).toBeLessThanOrEqual(2);
    for (const r of fromFunctions) {
      expect(r.clientSecretSent).toBe(false);
      expect(r.clientAssertionSent).toBe(true);
      expect(r.parameters).not.toContain('client_secret');
    }
  });

  it('LS24: no log line holds a token, an assertion or either private key', () => {
    const log = output.join('\n');
    expect(log).not.toMatch(JWT);
    const env = functionsEnvFile();
    for (const name of ['DPOP_PRIVATE_KEY', 'AUTH0_CLIENT_ASSERTION_KEY']) {
      const d = (JSON.parse(env[name]!) as JWK).d!;
      expect(log).not.toContain(d);
    }
  });
});
