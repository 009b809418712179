// The routes: health, the business API and its bad inputs, and the HTTP hardening
// (security headers, body limit, CORS, API docs off by default). The health and business
// routes run once per database: embedded SQLite and a real PostgreSQL (support/postgres-server).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { helmetHeaders } from '../src/http/security-headers.js';
import type { JwksServer } from './support/jwks-server.js';
import { startKeySet } from './support/key-set.js';
import type { TestSigningKey } from './support/signing-keys.js';
import { startPostgres, type PostgresServer } from './support/postgres-server.js';
import {
  expectErrorAnswer,
  preflight,
  startTestApp,
  testConfig,
  type TestApp,
} from './support/test-app.js';
import { CLIENT_ID, mint } from './support/tokens.js';
import { CustomersRepository } from '../src/customers/customers.repository.js';

const DATABASES = ['sqlite', 'postgres'] as const;

let jwks: JwksServer;
let key: TestSigningKey;
let api: TestApp;
let reader: string;
let writer: string;
let both: string;
let postgres: PostgresServer;

beforeAll(async () => {
  ({ key, jwks } = await startKeySet());
  postgres = await startPostgres();
  [reader, writer, both] = await Promise.all([
    mint({ issuer: jwks.issuer, key, claims: { scope: 'read:customers' } }),
    mint({ issuer: jwks.issuer, key, claims: { scope: 'write:interactions' } }),
    mint({ issuer: jwks.issuer, key }),
  ]);
});

afterAll(async () => {
  await jwks.stop();
  await postgres.close();
});

describe.each(DATABASES)('on %s', (database) => {
  // Each database gets its own app (this one shadows the hardening tests' SQLite app).
  let api: TestApp;

  beforeAll(async () => {
    const databaseUrl = database === 'postgres' ? await postgres.createDatabase() : undefined;
    api = await startTestApp(testConfig(jwks.issuer, jwks.uri, { databaseUrl }));
  }, 60_000);

  afterAll(async () => {
    await api.close();
  });

  /** POSTs an interaction of `customer`, as the writer unless `token`, with `key` if given. */
  const post = (
    customer: string,
    payload: unknown,
    { key, token = writer }: { key?: string; token?: string } = {},
  ): ReturnType<TestApp['request']> =>
    api.request({
      method: 'POST',
      url: `/customers/${customer}/interactions`,
      token,
      payload,
      headers: key === undefined ? {} : { 'idempotency-key': key },
    });

  describe('health', () => {
    it('GET /health is public and answers {status:"ok"}', async () => {
      const response = await api.request({ url: '/health' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ status: 'ok' });
    });

    it('GET /health/ready is public and 200 when keys are reachable and the database is open', async () => {
      const response = await api.request({ url: '/health/ready' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        status: 'ok',
        checks: { signingKeys: 'ok', database: 'ok' },
      });
    });
  });

  describe('GET /customers?phone=', () => {
    it('returns the seeded customer for an E.164 number', async () => {
      const response = await api.request({ url: '/customers?phone=%2B15005550001', token: reader });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        id: 'cus_001',
        name: 'Ada Lovelace',
        phone: '+15005550001',
        email: expect.stringContaining('@'),
        tier: 'gold',
      });
    });

    it('has all four seeded customers', async () => {
      const phones = {
        '+15005550002': 'cus_002',
        '+447700900003': 'cus_003',
        '+15005550004': 'cus_004',
      };
      for (const [phone, id] of Object.entries(phones)) {
        const response = await api.request({
          url: `/customers?phone=${encodeURIComponent(phone)}`,
          token: reader,
        });
        expect(response.json().id).toBe(id);
      }
    });

    it('accepts an unencoded + (form decoding turns it into a space)', async () => {
      const response = await api.request({ url: '/customers?phone=+15005550002', token: reader });
      expect(response.statusCode).toBe(200);
      expect(response.json().id).toBe('cus_002');
    });

    it('404 customer_not_found for an unknown number', async () => {
      const response = await api.request({ url: '/customers?phone=%2B15005559999', token: reader });
      expectErrorAnswer(response, 404, 'customer_not_found');
    });

    it('400 naming phone when it is missing or not E.164', async () => {
      for (const query of [
        '',
        '?phone=',
        '?phone=5005550001',
        '?phone=%2B0123',
        '?phone=abc',
        '?phone=%2B1234567890123456',
      ]) {
        const response = await api.request({ url: `/customers${query}`, token: reader });
        expect(response.statusCode).toBe(400);
        const body = response.json();
        expect(body.error).toBe('validation_failed');
        expect(Object.keys(body.fields)).toEqual(['phone']);
      }
    });

    it('403 without read:customers; 401 without a token', async () => {
      expect(
        (await api.request({ url: '/customers?phone=%2B15005550001', token: writer })).statusCode,
      ).toBe(403);
      expect((await api.request({ url: '/customers?phone=%2B15005550001' })).statusCode).toBe(401);
    });

    it('accepts the scope from a permissions array', async () => {
      const token = await mint({
        issuer: jwks.issuer,
        key,
        omit: ['scope'],
        claims: { permissions: ['read:customers'] },
      });
      expect(
        (await api.request({ url: '/customers?phone=%2B15005550001', token })).statusCode,
      ).toBe(200);
    });
  });

  describe('interactions', () => {
    it('POST records an interaction (201) and GET lists it, newest first', async () => {
      const created = await post('cus_003', {
        channel: 'voice',
        summary: 'Asked about the invoice',
        occurredAt: '2025-01-02T03:04:05Z',
      });
      expect(created.statusCode).toBe(201);
      const interaction = created.json();
      expect(interaction).toEqual({
        id: expect.stringMatching(/^int_[0-9a-f]{32}$/),
        customerId: 'cus_003',
        channel: 'voice',
        summary: 'Asked about the invoice',
        occurredAt: '2025-01-02T03:04:05.000Z',
        recordedBy: CLIENT_ID,
        createdAt: expect.any(String),
      });
      const later = await post(
        'cus_003',
        { channel: 'sms', summary: 'Follow-up' },
        { token: both },
      );
      expect(later.statusCode).toBe(201);
      const list = await api.request({ url: '/customers/cus_003/interactions', token: reader });
      expect(list.statusCode).toBe(200);
      expect(list.json().items.map((i: { summary: string }) => i.summary)).toEqual([
        'Follow-up',
        'Asked about the invoice',
      ]);
    });

    it('POST 400 names each bad field', async () => {
      const response = await post('cus_001', {
        channel: 'fax',
        summary: '',
        occurredAt: 'yesterday',
      });
      expect(response.statusCode).toBe(400);
      const body = response.json();
      expect(body.error).toBe('validation_failed');
      expect(Object.keys(body.fields).sort()).toEqual(['channel', 'occurredAt', 'summary']);
      const tooLong = await post('cus_001', { channel: 'chat', summary: 'x'.repeat(501) });
      expect(tooLong.statusCode).toBe(400);
      expect(Object.keys(tooLong.json().fields)).toEqual(['summary']);
    });

    it('POST 400 for a body that is not a JSON object or not JSON at all', async () => {
      for (const payload of ['[1,2]', '"text"', '{"channel":', 'null']) {
        const response = await post('cus_001', payload);
        expect(response.statusCode).toBe(400);
        expect(response.json().error).toBe('validation_failed');
      }
    });

    it('POST/GET 404 for an unknown customer', async () => {
      const posted = await post('cus_999', { channel: 'voice', summary: 'x' });
      expect(posted.statusCode).toBe(404);
      expect(posted.json().error).toBe('customer_not_found');
      const get = await api.request({ url: "/customers/'%20OR%201=1/interactions", token: reader });
      expect(get.statusCode).toBe(404);
    });

    it('POST needs write:interactions (403 with read only)', async () => {
      const response = await post('cus_001', { channel: 'voice', summary: 'x' }, { token: reader });
      expect(response.statusCode).toBe(403);
      expect(response.headers['www-authenticate']).toContain('scope="write:interactions"');
    });

    it('413 payload_too_large for a body over the limit', async () => {
      const response = await post('cus_001', { channel: 'voice', summary: 'x'.repeat(64 * 1024) });
      expectErrorAnswer(response, 413, 'payload_too_large');
    });
  });

  describe('Idempotency-Key', () => {
    const countOf = async (customer: string, summary: string): Promise<number> => {
      const list = await api.request({ url: `/customers/${customer}/interactions`, token: reader });
      return list.json().items.filter((i: { summary: string }) => i.summary === summary).length;
    };

    it('DB3: a retry with the same key and body answers the original record, 201, Idempotent-Replayed: true', async () => {
      const body = { channel: 'voice', summary: `replayed ${database}` };
      const first = await post('cus_002', body, { key: 'CA00000000000000000000000000000001' });
      expect(first.statusCode).toBe(201);
      expect(first.headers['idempotent-replayed']).toBe('false');
      const again = await post('cus_002', body, { key: 'CA00000000000000000000000000000001' });
      expect(again.statusCode).toBe(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.json()).toEqual(first.json());
      // The draft's quoted structured-field form names the same key.
      const quoted = await post('cus_002', body, { key: '"CA00000000000000000000000000000001"' });
      expect(quoted.headers['idempotent-replayed']).toBe('true');
      expect(quoted.json().id).toBe(first.json().id);
      expect(await countOf('cus_002', body.summary)).toBe(1);
    });

    it('DB4: the same key with another body, or for another customer, is 422 idempotency_key_reused', async () => {
      const key = `reused-${database}`;
      const body = { channel: 'sms', summary: 'first body', occurredAt: '2025-03-01T10:00:00Z' };
      expect((await post('cus_002', body, { key })).statusCode).toBe(201);
      for (const [customer, other] of [
        ['cus_002', { ...body, summary: 'second body' }],
        ['cus_002', { ...body, occurredAt: '2025-03-01T10:00:01Z' }],
        ['cus_002', { channel: 'sms', summary: 'first body' }],
        ['cus_004', body],
      ] as const) {
        const response = await post(customer, other, { key });
        expect(response.statusCode).toBe(422);
        expect(response.json()).toEqual({
          statusCode: 422,
          error: 'idempotency_key_reused',
          message: expect.stringContaining('Idempotency-Key'),
        });
      }
      // The same instant written another way is the same request.
      const same = await post(
        'cus_002',
        { ...body, occurredAt: '2025-03-01T10:00:00.000Z' },
        { key },
      );
      expect(same.statusCode).toBe(201);
      expect(same.headers['idempotent-replayed']).toBe('true');
    });

    it('DB5: a malformed Idempotency-Key is 400 validation_failed naming the header', async () => {
      for (const key of ['', ' ', 'x'.repeat(256), 'café', 'a b', '"unterminated', '""']) {
        const response = await post('cus_002', { channel: 'voice', summary: 'x' }, { key });
        expect(`${JSON.stringify(key)} → ${response.statusCode}`).toBe(
          `${JSON.stringify(key)} → 400`,
        );
        expect(response.json().error).toBe('validation_failed');
        expect(Object.keys(response.json().fields)).toEqual(['Idempotency-Key']);
      }
      expect(
        (await post('cus_002', { channel: 'voice', summary: 'x' }, { key: 'k'.repeat(255) }))
          .statusCode,
      ).toBe(201);
    });

    it('DB14: concurrent duplicates with one key store one interaction and all get its id', async () => {
      const body = { channel: 'chat', summary: `concurrent ${database}` };
      const answers = await Promise.all(
        Array.from({ length: 12 }, () => post('cus_004', body, { key: `concurrent-${database}` })),
      );
      expect(answers.map((a) => a.statusCode)).toEqual(Array(12).fill(201));
      expect(new Set(answers.map((a) => a.json().id)).size).toBe(1);
      expect(answers.filter((a) => a.headers['idempotent-replayed'] === 'false')).toHaveLength(1);
      expect(await countOf('cus_004', body.summary)).toBe(1);
    });

    it('DB15: keys are scoped to the caller (sub): another client with the same key stores its own record', async () => {
      const body = { channel: 'voice', summary: `scoped ${database}` };
      const other = await mint({
        issuer: jwks.issuer,
        key,
        claims: { sub: 'other-client@clients', azp: 'other-client' },
      });
      const mine = await post('cus_002', body, { key: `scoped-${database}` });
      const theirs = await post('cus_002', body, { key: `scoped-${database}`, token: other });
      expect(theirs.statusCode).toBe(201);
      expect(theirs.headers['idempotent-replayed']).toBe('false');
      expect(theirs.json().id).not.toBe(mine.json().id);
      expect(theirs.json().recordedBy).toBe('other-client');
    });

    it('without the header, every POST stores a new interaction (as before)', async () => {
      const body = { channel: 'sms', summary: `no key ${database}` };
      const [a, b] = [await post('cus_002', body), await post('cus_002', body)];
      expect(a.headers['idempotent-replayed']).toBeUndefined();
      expect(a.json().id).not.toBe(b.json().id);
      expect(await countOf('cus_002', body.summary)).toBe(2);
    });
  });

  describe('inputs that pass the first checks', () => {
    it('DB6: arrays nested 1,500 deep in the body are 400, not a stack overflow', async () => {
      const deep = `${'['.repeat(1500)}${']'.repeat(1500)}`;
      for (const payload of [
        `{"channel":"voice","summary":"x","extra":${deep}}`,
        `{"channel":"voice","summary":${deep}}`,
      ]) {
        const response = await post('cus_001', payload);
        expect(response.statusCode).toBe(400);
        expect(response.json()).toEqual({
          statusCode: 400,
          error: 'validation_failed',
          message: 'The request body is nested too deeply',
        });
      }
    });

    it('DB7: ISO-8601 forms Date cannot read (week, ordinal, hour only) are 400 naming occurredAt', async () => {
      for (const occurredAt of ['2024-W01-1', '2024-366', '2024-01-01T10']) {
        const response = await post('cus_001', { channel: 'voice', summary: 'x', occurredAt });
        expect(`${occurredAt} → ${response.statusCode}`).toBe(`${occurredAt} → 400`);
        expect(response.json().fields).toEqual({ occurredAt: expect.stringContaining('ISO-8601') });
      }
    });

    it('DB8: a token whose azp is not a string records the interaction under its sub', async () => {
      for (const azp of [42, { id: 'x' }, ['a', 'b'], '']) {
        const token = await mint({ issuer: jwks.issuer, key, claims: { azp } });
        const response = await post('cus_001', { channel: 'voice', summary: 'odd azp' }, { token });
        expect(response.statusCode).toBe(201);
        expect(response.json().recordedBy).toBe(`${CLIENT_ID}@clients`);
      }
    });
  });

  // Last in the block: it takes the database away from this app.
  describe('database failure', () => {
    it('DB16: a failing database answers 503 database_unavailable with Retry-After, readiness 503, liveness 200', async () => {
      await api.app.get(CustomersRepository).close();
      for (const request of [
        { url: '/customers?phone=%2B15005550001', token: reader },
        { url: '/customers/cus_001/interactions', token: reader },
        {
          method: 'POST' as const,
          url: '/customers/cus_001/interactions',
          token: writer,
          payload: { channel: 'voice', summary: 'x' },
          headers: { 'idempotency-key': 'during-outage' },
        },
      ]) {
        const response = await api.request(request);
        expectErrorAnswer(response, 503, 'database_unavailable');
        expect(response.headers['retry-after']).toMatch(/^\d+$/);
        expect(response.body).not.toMatch(/ at |Error:|postgres:\/\//);
      }
      const ready = await api.request({ url: '/health/ready' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json().checks).toEqual({ signingKeys: 'ok', database: 'unavailable' });
      expect((await api.request({ url: '/health' })).statusCode).toBe(200);
    });
  });
});

describe('HTTP hardening', () => {
  // Started after the per-database apps: Nest's static Logger writes to the newest app's logs.
  beforeAll(async () => {
    api = await startTestApp(testConfig(jwks.issuer, jwks.uri));
  });

  afterAll(async () => {
    await api.close();
  });

  it('unknown routes are 404 not_found with the standard error body', async () => {
    const response = await api.request({ url: '/nope', token: both });
    expectErrorAnswer(response, 404, 'not_found');
  });

  it("helmet's security headers are on every reply, answers and refusals alike", async () => {
    const expected = helmetHeaders();
    expect(expected['x-content-type-options']).toBe('nosniff');
    expect(expected['content-security-policy']).toContain("default-src 'self'");
    for (const response of [
      await api.request({ url: '/health' }),
      await api.request({ url: '/secure', token: both }),
      await api.request({ url: '/secure' }),
      await api.request({ url: '/nope' }),
    ]) {
      for (const [name, value] of Object.entries(expected)) {
        expect(`${name}: ${String(response.headers[name])}`).toBe(`${name}: ${value}`);
      }
      expect(response.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('CORS is off unless CORS_ORIGINS is set', async () => {
    const response = await preflight(api, '/secure', 'https://evil.example', 'GET');
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('CORS allows only the configured origins when CORS_ORIGINS is set', async () => {
    const withCors = await startTestApp(
      testConfig(jwks.issuer, jwks.uri, { corsOrigins: ['https://app.example.com'] }),
    );
    try {
      const allowed = await preflight(withCors, '/secure', 'https://app.example.com', 'GET');
      expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example.com');
      const denied = await preflight(withCors, '/secure', 'https://evil.example', 'GET');
      expect(denied.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await withCors.close();
    }
  });

  it('API docs are not served unless ENABLE_API_DOCS=true', async () => {
    expect((await api.request({ url: '/docs', token: both })).statusCode).toBe(404);
    expect((await api.request({ url: '/docs/openapi.json', token: both })).statusCode).toBe(404);
  });

  it('F46: logs (at debug level), errors and responses never contain an access token', async () => {
    const expired = await mint({ issuer: jwks.issuer, key, claims: { exp: 1000, iat: 900 } });
    const wrongAud = await mint({ issuer: jwks.issuer, key, claims: { aud: 'https://other.api' } });
    const seen: string[] = [];
    for (const token of [both, reader, expired, wrongAud, 'garbage.token.value']) {
      for (const url of [
        '/secure',
        '/customers?phone=%2B15005550001',
        '/customers/cus_001/interactions',
        '/nope',
      ]) {
        const response = await api.request({ url, token });
        seen.push(JSON.stringify(response.headers), response.body);
      }
    }
    const output = api.logs.join('') + seen.join('');
    expect(api.logs.some((line) => line.includes('"msg":"request rejected"'))).toBe(true);
    for (const token of [both, reader, expired, wrongAud, 'garbage.token.value']) {
      expect(output).not.toContain(token);
      expect(output).not.toContain(token.split('.')[2]);
    }
  });

  it('logs are JSON lines and never carry the Authorization header', async () => {
    await api.request({ url: '/secure', token: both });
    const lines = api.logs.join('').trim().split('\n');
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
    expect(lines.some((line) => JSON.parse(line).msg === 'request')).toBe(true);
    expect(api.logs.join('')).not.toContain(both);
  });

  it('LOG_LEVEL above info writes no per-request lines, and warnings still', async () => {
    const quiet = await startTestApp(testConfig(jwks.issuer, jwks.uri, { logLevel: 'warn' }));
    try {
      expect((await quiet.request({ url: '/secure', token: both })).statusCode).toBe(200);
      expect((await quiet.request({ url: '/nope' })).statusCode).toBe(404);
      const lines = quiet.logs.join('').trim().split('\n').filter(Boolean);
      expect(lines.map((line) => JSON.parse(line).msg)).not.toContain('request');
      quiet.app.getHttpAdapter().getInstance().log.warn('still written');
      expect(quiet.logs.join('')).toContain('still written');
    } finally {
      await quiet.close();
    }
  });
});
