// The HTTP edge of the real app: wrong methods (405 after the route's own authentication),
// media types (JSON in UTF-8 only, 415 otherwise, nothing stored), router errors answered
// like every other error, and the phone number's length.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import { helmetHeaders } from '../src/http/security-headers.js';
import type { JwksServer } from './support/jwks-server.js';
import { startKeySet } from './support/key-set.js';
import type { TestSigningKey } from './support/signing-keys.js';
import { preflight, startTestApp, testConfig, type TestApp } from './support/test-app.js';
import { mint } from './support/tokens.js';

let jwks: JwksServer;
let key: TestSigningKey;
let api: TestApp;
let reader: string;
let writer: string;
let noScope: string;

beforeAll(async () => {
  ({ key, jwks } = await startKeySet());
  api = await startTestApp(testConfig(jwks.issuer, jwks.uri));
  [reader, writer, noScope] = await Promise.all([
    mint({ issuer: jwks.issuer, key, claims: { scope: 'read:customers' } }),
    mint({ issuer: jwks.issuer, key, claims: { scope: 'write:interactions' } }),
    mint({ issuer: jwks.issuer, key, claims: { scope: '' } }),
  ]);
});

afterAll(async () => {
  await api.close();
  await jwks.stop();
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Any method, any raw path, any headers: what the test app's helper cannot send. */
function send(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: '127.0.0.1', port: api.port, method, path, headers, agent: false },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

function expectSecurityHeaders(answer: Answer): void {
  for (const [name, value] of Object.entries(helmetHeaders())) {
    expect(`${name}: ${String(answer.headers[name])}`).toBe(`${name}: ${value}`);
  }
}

/** An error answer: its status, the standard body with this code and message, helmet's headers. */
function expectStandardError(answer: Answer, status: number, error: string, message: string): void {
  expect(answer.status).toBe(status);
  expect(JSON.parse(answer.body)).toEqual({ statusCode: status, error, message });
  expectSecurityHeaders(answer);
}

describe('wrong methods on known paths', () => {
  it('AH8: DELETE /secure with a valid token is 405 with Allow: GET, HEAD', async () => {
    const answer = await send('DELETE', '/secure', bearer(reader));
    expectStandardError(answer, 405, 'method_not_allowed', 'This route allows only GET, HEAD');
    expect(answer.headers.allow).toBe('GET, HEAD');
  });

  it('AH9: a wrong method on a protected path without a token is the 401 the route gives', async () => {
    for (const [method, path] of [
      ['DELETE', '/secure'],
      ['PUT', '/customers/cus_001/interactions'],
      ['PATCH', '/customers'],
      ['OPTIONS', '/secure'],
      ['TRACE', '/secure'],
    ] as const) {
      const wrong = await send(method, path);
      const right = await send('GET', path);
      expect(`${method} ${path} ${wrong.status}`).toBe(`${method} ${path} 401`);
      expect(wrong.headers['www-authenticate']).toBe(right.headers['www-authenticate']);
      expect(wrong.headers.allow).toBeUndefined();
      expect(JSON.parse(wrong.body).error).toBe('unauthorized');
    }
    // A rejected token is rejected there too, before any 405.
    const forged = await send('DELETE', '/secure', bearer(`${reader.slice(0, -4)}AAAA`));
    expect(forged.status).toBe(401);
    expect(JSON.parse(forged.body).error).toBe('invalid_token');
  });

  it('AH10: POST /health (a public path) is 405 with Allow: GET, HEAD and needs no token', async () => {
    for (const path of ['/health', '/health/ready']) {
      const answer = await send('POST', path);
      expect(answer.status).toBe(405);
      expect(answer.headers.allow).toBe('GET, HEAD');
      expect(JSON.parse(answer.body).error).toBe('method_not_allowed');
    }
  });

  it('AH11: PUT /customers/cus_001/interactions is 405 listing GET, HEAD and POST; scopes do not matter', async () => {
    for (const token of [reader, writer, noScope]) {
      const answer = await send('PUT', '/customers/cus_001/interactions', bearer(token));
      expect(answer.status).toBe(405);
      expect(answer.headers.allow).toBe('GET, HEAD, POST');
      expect(JSON.parse(answer.body).error).toBe('method_not_allowed');
    }
    // A body is not validated against the POST route's DTO: no method is going to run.
    const withBody = await send(
      'PUT',
      '/customers/cus_001/interactions',
      { ...bearer(writer), 'content-type': 'application/json' },
      '{"channel":"nope"}',
    );
    expect(withBody.status).toBe(405);
  });

  it('AH12: OPTIONS and TRACE on a known path are 405; on an unknown path any method stays 404', async () => {
    for (const method of ['OPTIONS', 'TRACE']) {
      const answer = await send(method, '/customers', bearer(reader));
      expect(`${method} ${answer.status}`).toBe(`${method} 405`);
      expect(answer.headers.allow).toBe('GET, HEAD');
    }
    for (const method of ['GET', 'DELETE', 'TRACE']) {
      const answer = await send(method, '/nope', bearer(reader));
      expect(`${method} ${answer.status}`).toBe(`${method} 404`);
      expect(JSON.parse(answer.body).error).toBe('not_found');
    }
    // The right methods still reach their routes.
    expect((await send('GET', '/secure', bearer(noScope))).status).toBe(200);
    expect((await send('HEAD', '/health')).status).toBe(200);
  });

  it('AH17: with CORS_ORIGINS set, a preflight is answered by CORS and any other OPTIONS by authentication and 405', async () => {
    const withCors = await startTestApp(
      testConfig(jwks.issuer, jwks.uri, { corsOrigins: ['https://app.example.com'] }),
    );
    try {
      const asked = await preflight(
        withCors,
        '/customers/cus_001/interactions',
        'https://app.example.com',
        'POST',
      );
      expect(asked.statusCode).toBe(204);
      expect(asked.headers['access-control-allow-origin']).toBe('https://app.example.com');
      // Without the preflight headers, OPTIONS is an ordinary wrong method: authentication,
      // then 405, with the standard body and headers, and CORS headers for an allowed origin.
      const anonymous = await withCors.request({ method: 'OPTIONS', url: '/secure' });
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.json().error).toBe('unauthorized');
      const plain = await withCors.request({
        method: 'OPTIONS',
        url: '/secure',
        token: reader,
        headers: { origin: 'https://app.example.com' },
      });
      expect(plain.statusCode).toBe(405);
      expect(plain.headers.allow).toBe('GET, HEAD');
      expect(plain.headers['access-control-allow-origin']).toBe('https://app.example.com');
      for (const [name, value] of Object.entries(helmetHeaders()))
        expect(`${name}: ${String(plain.headers[name])}`).toBe(`${name}: ${value}`);
      // A preflight from another origin gets no Access-Control-Allow-Origin.
      const denied = await preflight(withCors, '/secure', 'https://evil.example', 'GET');
      expect(denied.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await withCors.close();
    }
  });
});

describe('media types', () => {
  const interactions = '/customers/cus_001/interactions';

  async function storedSummaries(): Promise<string[]> {
    const list = await send('GET', interactions, bearer(reader));
    expect(list.status).toBe(200);
    return (JSON.parse(list.body) as { items: { summary: string }[] }).items.map((i) => i.summary);
  }

  function expect415(answer: Answer): void {
    expectStandardError(
      answer,
      415,
      'unsupported_media_type',
      'Send the body as application/json; charset=utf-8',
    );
  }

  it('AH3: a text/plain body is 415 unsupported_media_type', async () => {
    const answer = await send(
      'POST',
      interactions,
      { ...bearer(writer), 'content-type': 'text/plain' },
      JSON.stringify({ channel: 'voice', summary: 'AH3 plain text' }),
    );
    expect415(answer);
    expect(await storedSummaries()).not.toContain('AH3 plain text');
  });

  it('AH4: a form body is 415 and nothing is stored', async () => {
    const answer = await send(
      'POST',
      interactions,
      { ...bearer(writer), 'content-type': 'application/x-www-form-urlencoded' },
      'channel=voice&summary=AH4+form+body',
    );
    expect415(answer);
    expect(await storedSummaries()).not.toContain('AH4 form body');
  });

  it('AH5: a multipart body is 415', async () => {
    const boundary = 'ah5boundary';
    const body = [
      `--${boundary}`,
      'Content-Disposition: form-data; name="channel"',
      '',
      'voice',
      `--${boundary}`,
      'Content-Disposition: form-data; name="summary"',
      '',
      'AH5 multipart',
      `--${boundary}--`,
      '',
    ].join('\r\n');
    const answer = await send(
      'POST',
      interactions,
      { ...bearer(writer), 'content-type': `multipart/form-data; boundary=${boundary}` },
      body,
    );
    expect415(answer);
    expect(await storedSummaries()).not.toContain('AH5 multipart');
  });

  it('AH6: JSON in a charset other than UTF-8 is 415; UTF-8 in any spelling is accepted', async () => {
    for (const charset of ['iso-8859-1', 'utf-16', 'latin1', 'us-ascii']) {
      const answer = await send(
        'POST',
        interactions,
        { ...bearer(writer), 'content-type': `application/json; charset=${charset}` },
        JSON.stringify({ channel: 'voice', summary: `AH6 ${charset}` }),
      );
      expect415(answer);
    }
    for (const contentType of [
      'application/json',
      'application/json; charset=utf-8',
      'application/json;charset="UTF-8"',
      'Application/JSON; Charset=utf8',
    ]) {
      const answer = await send(
        'POST',
        interactions,
        { ...bearer(writer), 'content-type': contentType },
        JSON.stringify({ channel: 'voice', summary: `AH6 ok ${contentType}` }),
      );
      expect(`${contentType} ${answer.status}`).toBe(`${contentType} 201`);
    }
    const stored = await storedSummaries();
    expect(stored.filter((summary) => summary.startsWith('AH6 ok'))).toHaveLength(4);
    expect(stored.filter((summary) => /^AH6 [^o]/.test(summary))).toEqual([]);
  });
});

describe('router errors', () => {
  it('AH2: a malformed URL (FST_ERR_BAD_URL) gets the standard body and headers, and no echo of the path', async () => {
    for (const path of ['/customers/%E0%A4%A/interactions', '/secure/%zz%c0']) {
      const answer = await send('GET', path, bearer(reader));
      expectStandardError(answer, 400, 'validation_failed', 'The request URL is malformed');
      expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(answer.body).not.toContain('%');
    }
  });

  it('AH13: an over-long route parameter gets 414 uri_too_long, the standard body and headers', async () => {
    const answer = await send(
      'GET',
      `/customers/cus_${'a'.repeat(300)}/interactions`,
      bearer(reader),
    );
    expectStandardError(answer, 414, 'uri_too_long', 'The request URL is too long');
    expect(answer.body).not.toContain('aaaa');
  });
});

describe('phone numbers', () => {
  it('AH14: a phone number is + and 8 to 15 digits (E.164 at most 15; no real number is shorter than 8)', async () => {
    const status = async (phone: string): Promise<number> =>
      (await send('GET', `/customers?phone=${encodeURIComponent(phone)}`, bearer(reader))).status;
    for (const tooShortOrLong of ['+12', '+1234567', '+1234567890123456', '+0123456789']) {
      expect(`${tooShortOrLong} ${await status(tooShortOrLong)}`).toBe(`${tooShortOrLong} 400`);
    }
    // Well-formed numbers nobody has: 404 customer_not_found, not 400.
    for (const wellFormed of ['+12345678', '+123456789012345']) {
      expect(`${wellFormed} ${await status(wellFormed)}`).toBe(`${wellFormed} 404`);
    }
    const answer = await send('GET', '/customers?phone=%2B12', bearer(reader));
    expect(JSON.parse(answer.body).fields).toEqual({
      phone: 'must be an E.164 phone number: + and 8 to 15 digits, e.g. +15005550001',
    });
  });
});
