// The committed secure-api/openapi.json must match what the code generates (regenerate with
// `npm run openapi -w secure-api`), and the interactive docs exist only when enabled.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { buildOpenApiDocument } from '../src/openapi/openapi.js';
import { JwksServer } from './support/jwks-server.js';
import { startTestApp, testConfig, type TestApp } from './support/test-app.js';

const COMMITTED = new URL('../openapi.json', import.meta.url);

let jwks: JwksServer;
let api: TestApp;

beforeAll(async () => {
  jwks = await new JwksServer().start();
  api = await startTestApp(testConfig(jwks.issuer, jwks.uri, { enableApiDocs: true }));
});

afterAll(async () => {
  await api.close();
  await jwks.stop();
});

describe('OpenAPI', () => {
  it('the committed openapi.json matches the code (run `npm run openapi -w secure-api` after changing routes)', () => {
    const committed: unknown = JSON.parse(readFileSync(COMMITTED, 'utf8'));
    expect(buildOpenApiDocument(api.app)).toEqual(committed);
  });

  it('documents the Bearer and DPoP schemes and the scopes of each route', () => {
    const document = buildOpenApiDocument(api.app);
    expect(document.components?.securitySchemes?.bearer).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
    expect(document.components?.securitySchemes?.dpop).toMatchObject({
      type: 'http',
      scheme: 'dpop',
    });
    expect(document.paths['/customers']?.get?.security).toEqual([
      { bearer: ['read:customers'] },
      { dpop: ['read:customers'] },
    ]);
    expect(document.paths['/customers/{id}/interactions']?.post?.security).toEqual([
      { bearer: ['write:interactions'] },
      { dpop: ['write:interactions'] },
    ]);
    expect(document.paths['/secure']?.get?.security).toEqual([{ bearer: [] }, { dpop: [] }]);
    expect(document.paths['/health']?.get?.security).toBeUndefined();
    // Answers to DPoP requests carry the server nonce: every response of a protected route.
    for (const status of ['200', '401']) {
      expect(document.paths['/secure']?.get?.responses[status]).toMatchObject({
        headers: { 'DPoP-Nonce': { schema: { type: 'string' } } },
      });
    }
    expect(document.paths['/customers/{id}/interactions']?.post?.responses['403']).toMatchObject({
      headers: { 'DPoP-Nonce': { schema: { type: 'string' } } },
    });
    expect(document.paths['/health']?.get?.responses['200']).not.toHaveProperty('headers');
  });

  it('documents the Idempotency-Key contract of POST /customers/{id}/interactions', () => {
    const post = buildOpenApiDocument(api.app).paths['/customers/{id}/interactions']?.post;
    expect(post?.parameters).toContainEqual(
      expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: false }),
    );
    expect(post?.responses['201']).toMatchObject({
      headers: { 'Idempotent-Replayed': expect.any(Object) },
    });
    expect(post?.responses['422']).toMatchObject({
      description: expect.stringContaining('idempotency_key_reused'),
    });
    expect(post?.responses['503']).toMatchObject({
      description: expect.stringContaining('database_unavailable'),
    });
  });

  it('serves the interactive docs at /docs when ENABLE_API_DOCS=true', async () => {
    const page = await api.request({ url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    const json = await api.request({ url: '/docs/openapi.json' });
    expect(json.statusCode).toBe(200);
    expect(json.json().paths['/customers']).toBeDefined();
  });
});
