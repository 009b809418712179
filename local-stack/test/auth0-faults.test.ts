// Counters and fault injection of the Auth0 stand-in, through its API and its /__control
// routes (which exist only when enabled).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { request } from 'node:http';
import { startAuth0StandIn, type Auth0StandIn } from '../src';
import { get, postJson, validRequest } from './auth0-requests';

let standIn: Auth0StandIn;
let closed: Auth0StandIn;

beforeAll(async () => {
  standIn = await startAuth0StandIn({ enableControl: true });
  closed = await startAuth0StandIn();
});
afterAll(() => Promise.all([standIn.close(), closed.close()]));

const control = (path: string) => `${standIn.url}__control/${path}`;

describe('Auth0 stand-in counters and faults', () => {
  it('counts token requests, issued tokens and key-set requests', async () => {
    standIn.resetCounters();
    await postJson(standIn.tokenUrl, validRequest);
    await postJson(standIn.tokenUrl, validRequest);
    await postJson(standIn.tokenUrl, { ...validRequest, client_secret: 'wrong' });
    await get(standIn.jwksUri);
    expect(standIn.counters()).toEqual({ tokensIssued: 2, tokenRequests: 3, jwksRequests: 1 });
    standIn.resetCounters();
    expect(standIn.counters()).toEqual({ tokensIssued: 0, tokenRequests: 0, jwksRequests: 0 });
  });

  it('rate-limits the next N token requests with Auth0 429 headers', async () => {
    standIn.injectFault({ target: 'token', kind: 'rate-limit', count: 2, resetAfterSeconds: 30 });
    const now = Math.floor(Date.now() / 1000);
    for (let i = 0; i < 2; i++) {
      const answer = await postJson(standIn.tokenUrl, validRequest);
      expect(answer.status).toBe(429);
      expect(answer.body).toEqual({
        error: 'too_many_requests',
        error_description: 'Global limit has been reached',
      });
      expect(answer.headers.get('x-ratelimit-limit')).toBe('30');
      expect(answer.headers.get('x-ratelimit-remaining')).toBe('0');
      const reset = Number(answer.headers.get('x-ratelimit-reset'));
      expect(reset).toBeGreaterThanOrEqual(now + 29);
      expect(reset).toBeLessThan(now + 600);
    }
    expect((await postJson(standIn.tokenUrl, validRequest)).status).toBe(200);
  });

  it('answers 500 on the key set while an error fault lasts; token requests unaffected', async () => {
    standIn.injectFault({ target: 'jwks', kind: 'error', count: 1 });
    expect((await postJson(standIn.tokenUrl, validRequest)).status).toBe(200);
    const failed = await get(standIn.jwksUri);
    expect(failed.status).toBe(500);
    expect(failed.body.error).toBe('server_error');
    expect((await get(standIn.jwksUri)).status).toBe(200);
  });

  it('hangs a request until the client gives up, and counts it', async () => {
    standIn.resetCounters();
    standIn.injectFault({ target: 'token', kind: 'hang', count: 1 });
    const outcome = await fetch(standIn.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(validRequest),
      signal: AbortSignal.timeout(300),
    }).then(
      () => 'answered',
      (err: Error) => err.name,
    );
    expect(outcome).toBe('TimeoutError');
    expect(standIn.counters()).toMatchObject({ tokenRequests: 1, tokensIssued: 0 });
    expect((await postJson(standIn.tokenUrl, validRequest)).status).toBe(200);
  });

  it('clearFaults drops pending faults', async () => {
    standIn.injectFault({ target: 'token', kind: 'error', count: 5 });
    standIn.clearFaults();
    expect((await postJson(standIn.tokenUrl, validRequest)).status).toBe(200);
  });

  it('refuses a malformed fault', () => {
    expect(() => standIn.injectFault({ target: 'token', kind: 'error', count: 0 })).toThrow(
      /count/,
    );
  });
});

describe('Auth0 stand-in control routes', () => {
  it('serve counters, reset, faults, rotation and token lifetime', async () => {
    await postJson(control('reset'), {});
    await postJson(standIn.tokenUrl, validRequest);
    expect((await get(control('counters'))).body).toEqual({
      tokensIssued: 1,
      tokenRequests: 1,
      jwksRequests: 0,
    });

    const injected = await postJson(control('faults'), {
      target: 'token',
      kind: 'error',
      count: 1,
    });
    expect(injected.status).toBe(200);
    expect((await postJson(standIn.tokenUrl, validRequest)).status).toBe(500);

    await postJson(control('faults'), { target: 'jwks', kind: 'error', count: 3 });
    const cleared = await fetch(control('faults'), { method: 'DELETE' });
    expect(cleared.status).toBe(200);
    expect((await get(standIn.jwksUri)).status).toBe(200);

    const rotated = await postJson(control('rotate'), {});
    const keys = (await get(standIn.jwksUri)).body.keys as Array<{ kid: string }>;
    expect(keys[0]!.kid).toBe(rotated.body.kid);

    expect((await postJson(control('token-lifetime'), { seconds: 90 })).status).toBe(200);
    expect((await postJson(standIn.tokenUrl, validRequest)).body.expires_in).toBe(90);
    await postJson(control('token-lifetime'), { seconds: 86400 });
  });

  it('reject bad bodies with 400', async () => {
    expect(
      (await postJson(control('faults'), { target: 'token', kind: 'boom', count: 1 })).status,
    ).toBe(400);
    expect((await postJson(control('faults'), 'not json')).status).toBe(400);
    expect((await postJson(control('token-lifetime'), { seconds: -1 })).status).toBe(400);
  });

  it('do not exist when control is not enabled', async () => {
    expect((await get(`${closed.url}__control/counters`)).status).toBe(404);
    const injected = await postJson(`${closed.url}__control/faults`, {
      target: 'token',
      kind: 'error',
      count: 1,
    });
    expect(injected.status).toBe(404);
    expect((await postJson(closed.tokenUrl, validRequest)).status).toBe(200);
  });

  it('listen on loopback only', async () => {
    // The server is bound to 127.0.0.1: a connection to another local address is refused.
    const { port } = new URL(standIn.url);
    const reached = await new Promise<string>((resolve) => {
      const req = request({ host: '127.0.0.2', port: Number(port), path: '/' }, () =>
        resolve('reached'),
      );
      req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
      req.end();
    });
    expect(reached).toBe('ECONNREFUSED');
  });
});
