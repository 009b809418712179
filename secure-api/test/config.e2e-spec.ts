// F47 and the start-up contract, against the compiled server in a real child process:
// bad configuration exits non-zero before listening with one line naming the variable (not
// its value); good configuration logs {"msg":"listening","url"} and serves; SIGTERM stops it
// with exit code 0.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ensureBuilt, serverEnv, startServer, waitForListening } from './support/built-server.js';
import type { JwksServer } from './support/jwks-server.js';
import { startKeySet } from './support/key-set.js';
import type { TestSigningKey } from './support/signing-keys.js';
import { AUDIENCE, mint } from './support/tokens.js';

const GOOD = {
  AUTH0_ISSUER_URL: 'https://tenant.example.auth0.com/',
  AUTH0_AUDIENCE: AUDIENCE,
  AUTH0_JWKS_URI: '',
  PORT: '0',
  HOST: '127.0.0.1',
  DATABASE_PATH: ':memory:',
  LOG_LEVEL: 'info',
  CORS_ORIGINS: '',
  ENABLE_API_DOCS: 'false',
};

let jwks: JwksServer;
let key: TestSigningKey;

beforeAll(async () => {
  ensureBuilt();
  ({ key, jwks } = await startKeySet());
}, 120_000);

afterAll(async () => {
  await jwks.stop();
});

describe('F47: missing or malformed configuration stops the process before it listens', () => {
  const cases: Array<[string, Record<string, string>, string]> = [
    ['AUTH0_AUDIENCE missing', { AUTH0_AUDIENCE: '' }, 'AUTH0_AUDIENCE'],
    ['AUTH0_ISSUER_URL missing', { AUTH0_ISSUER_URL: '' }, 'AUTH0_ISSUER_URL'],
    [
      'AUTH0_ISSUER_URL not a URL',
      { AUTH0_ISSUER_URL: 'tenant-secret-looking-value' },
      'AUTH0_ISSUER_URL',
    ],
    [
      'AUTH0_ISSUER_URL plain http off loopback',
      { AUTH0_ISSUER_URL: 'http://tenant.example.com/' },
      'AUTH0_ISSUER_URL',
    ],
    [
      'AUTH0_JWKS_URI not https',
      { AUTH0_JWKS_URI: 'ftp://keys.example.com/jwks.json' },
      'AUTH0_JWKS_URI',
    ],
    ['PORT out of range', { PORT: '70000' }, 'PORT'],
    ['LOG_LEVEL unknown', { LOG_LEVEL: 'chatty' }, 'LOG_LEVEL'],
    ['CORS_ORIGINS with a path', { CORS_ORIGINS: 'https://app.example.com/path' }, 'CORS_ORIGINS'],
    ['ENABLE_API_DOCS not a boolean', { ENABLE_API_DOCS: 'sometimes' }, 'ENABLE_API_DOCS'],
    [
      'DATABASE_URL not a postgres URL',
      { DATABASE_URL: 'mysql://api:hunter2@db.example.com/api' },
      'DATABASE_URL',
    ],
    ['DATABASE_POOL_MAX out of bounds', { DATABASE_POOL_MAX: '1000' }, 'DATABASE_POOL_MAX'],
  ];

  it.each(cases)(
    'F47: %s → exit 1 with one line naming the variable',
    async (_name, vars, variable) => {
      const server = startServer(serverEnv({ ...GOOD, ...vars }));
      const exit = await server.exited;
      expect(exit.code).toBe(1);
      expect(exit.stdout).toBe('');
      const lines = exit.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      const entry = JSON.parse(lines[0] ?? '') as { code: string; msg: string };
      expect(entry.code).toBe('config_invalid');
      expect(entry.msg).toMatch(new RegExp(`^invalid configuration: ${variable} `));
      for (const value of Object.values(vars)) if (value) expect(exit.stderr).not.toContain(value);
    },
  );
});

describe('start-up and shutdown of the built server', () => {
  it('F46: the built server logs {"msg":"listening","url"}, serves a valid token without ever printing it, and exits 0 on SIGTERM', async () => {
    const server = startServer(
      serverEnv({
        ...GOOD,
        AUTH0_ISSUER_URL: jwks.issuer.replace(/\/$/, ''),
        AUTH0_JWKS_URI: jwks.uri,
      }),
    );
    const url = await waitForListening(server);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const token = await mint({ issuer: jwks.issuer, key });
    const response = await fetch(`${url}/secure`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { iss: string }).iss).toBe(jwks.issuer);
    server.child.kill('SIGTERM');
    const exit = await server.exited;
    expect(exit.code).toBe(0);
    expect(exit.stdout).toContain('"msg":"stopped"');
    // F46 for the API: the token never appears in its output.
    expect(exit.stdout + exit.stderr).not.toContain(token);
  });
});
