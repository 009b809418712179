import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import helmet, { type HelmetOptions } from 'helmet';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { helmetHeaders } from './security-headers.js';

const DOCS_CSP: HelmetOptions = {
  contentSecurityPolicy: {
    directives: { 'script-src': ["'self'", "'unsafe-inline'"], 'style-src': ["'self'"] },
  },
};

/** A node:http server that runs helmet itself on every request, as middleware. */
function liveHelmetServer(options: HelmetOptions): http.Server {
  const middleware = helmet(options);
  return http.createServer((request, response) => {
    response.setHeader('X-Powered-By', 'something');
    middleware(request, response, () => response.end('ok'));
  });
}

async function headersFrom(server: http.Server, path: string): Promise<Record<string, string>> {
  const { port } = server.address() as AddressInfo;
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'GET' });
  await response.text();
  const headers: Record<string, string> = {};
  for (const [name, value] of response.headers) headers[name] = value;
  // The transport's own headers are not helmet's.
  for (const name of ['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'])
    delete headers[name];
  return headers;
}

describe('helmetHeaders', () => {
  const servers: http.Server[] = [];
  beforeAll(async () => {
    for (const options of [{}, DOCS_CSP]) {
      const server = liveHelmetServer(options);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      servers.push(server);
    }
  });
  afterAll(() => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))));

  it.each([
    ['the defaults', 0, {}],
    ['the API-docs CSP', 1, DOCS_CSP],
  ] as const)(
    'equals what helmet sets on a real response, with %s',
    async (_name, index, options) => {
      const fixed = helmetHeaders(options);
      for (const path of ['/', '/secure?x=1', '/docs/static/index.html']) {
        expect(await headersFrom(servers[index]!, path)).toEqual(fixed);
      }
      expect(fixed['x-powered-by']).toBeUndefined();
      expect(Object.keys(fixed).length).toBeGreaterThanOrEqual(12);
    },
  );

  it('is frozen, so no route can change what the next reply gets', () => {
    const fixed = helmetHeaders();
    expect(Object.isFrozen(fixed)).toBe(true);
  });

  it('refuses options helmet refuses, at start-up', () => {
    expect(() =>
      helmetHeaders({ contentSecurityPolicy: { directives: { 'default-src': ['self'] } } }),
    ).toThrow(/should be quoted/);
  });
});
