import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { DEFAULT_DATABASE_PATH, ENV_VARIABLES, validateEnv } from './env.validation.js';

const BASE = {
  AUTH0_ISSUER_URL: 'https://tenant.us.auth0.com',
  AUTH0_AUDIENCE: 'https://secure-api.local',
};

describe('validateEnv', () => {
  it('applies the defaults and normalises the issuer to one trailing slash', () => {
    const config = validateEnv(BASE);
    expect(config).toEqual({
      port: 7000,
      host: '0.0.0.0',
      issuer: 'https://tenant.us.auth0.com/',
      audience: 'https://secure-api.local',
      jwksUri: 'https://tenant.us.auth0.com/.well-known/jwks.json',
      databasePath: DEFAULT_DATABASE_PATH,
      logLevel: 'info',
      corsOrigins: [],
      enableApiDocs: false,
      databasePool: { max: 10, connectTimeoutMs: 2000, statementTimeoutMs: 2000 },
      dpopMode: 'allowed',
    });
    expect(DEFAULT_DATABASE_PATH).toMatch(/secure-api\/data\/secure-api\.db$/);
    expect(
      validateEnv({ ...BASE, AUTH0_ISSUER_URL: 'https://tenant.us.auth0.com///' }).issuer,
    ).toBe('https://tenant.us.auth0.com/');
  });

  it('accepts plain http only on loopback hosts', () => {
    expect(validateEnv({ ...BASE, AUTH0_ISSUER_URL: 'http://127.0.0.1:4000/' }).issuer).toBe(
      'http://127.0.0.1:4000/',
    );
    expect(validateEnv({ ...BASE, AUTH0_ISSUER_URL: 'http://localhost:4000' }).issuer).toBe(
      'http://localhost:4000/',
    );
    expect(() => validateEnv({ ...BASE, AUTH0_ISSUER_URL: 'http://tenant.us.auth0.com/' })).toThrow(
      /^AUTH0_ISSUER_URL /,
    );
    expect(() => validateEnv({ ...BASE, AUTH0_ISSUER_URL: 'http://127.0.0.1.evil.com/' })).toThrow(
      /^AUTH0_ISSUER_URL /,
    );
  });

  it('reads the optional variables', () => {
    const config = validateEnv({
      ...BASE,
      PORT: '0',
      AUTH0_JWKS_URI: 'https://keys.example.com/jwks.json',
      DATABASE_PATH: ':memory:',
      LOG_LEVEL: 'DEBUG',
      CORS_ORIGINS: 'https://a.example.com, http://localhost:3000',
      ENABLE_API_DOCS: 'true',
    });
    expect(config).toMatchObject({
      port: 0,
      jwksUri: 'https://keys.example.com/jwks.json',
      databasePath: ':memory:',
      logLevel: 'debug',
      corsOrigins: ['https://a.example.com', 'http://localhost:3000'],
      enableApiDocs: true,
    });
  });

  it('names the variable and never echoes its value', () => {
    const secretish = 'https://user:hunter2@tenant.us.auth0.com/';
    try {
      validateEnv({ ...BASE, AUTH0_ISSUER_URL: secretish });
      throw new Error('expected a failure');
    } catch (error) {
      expect((error as Error).message).toMatch(/^AUTH0_ISSUER_URL /);
      expect((error as Error).message).not.toContain('hunter2');
    }
    expect(() => validateEnv({ AUTH0_ISSUER_URL: BASE.AUTH0_ISSUER_URL })).toThrow(
      /^AUTH0_AUDIENCE is required/,
    );
    expect(() => validateEnv({ ...BASE, PORT: '-1' })).toThrow(/^PORT /);
    expect(() => validateEnv({ ...BASE, PORT: '80.5' })).toThrow(/^PORT /);
  });
});

describe('DATABASE_URL and the pool variables', () => {
  it('DATABASE_URL selects PostgreSQL; the pool variables are read within their bounds', () => {
    const config = validateEnv({
      ...BASE,
      DATABASE_URL: 'postgres://api:hunter2@db.example.com:5432/api?sslmode=verify-full',
      DATABASE_PATH: '/var/lib/api.db',
      DATABASE_POOL_MAX: '25',
      DATABASE_CONNECT_TIMEOUT_MS: '500',
      DATABASE_STATEMENT_TIMEOUT_MS: '5000',
    });
    expect(config.databaseUrl).toBe(
      'postgres://api:hunter2@db.example.com:5432/api?sslmode=verify-full',
    );
    expect(config.databasePool).toEqual({
      max: 25,
      connectTimeoutMs: 500,
      statementTimeoutMs: 5000,
    });
  });

  it('DB1: a malformed DATABASE_URL is a config error naming the variable, never echoing the password', () => {
    for (const url of [
      'not a url hunter2',
      'mysql://api:hunter2@db.example.com/api',
      'postgres://api:hunter2@db.example.com',
      'postgres://api:hunter2@db.example.com/api?sslmode=maybe-hunter2',
    ]) {
      try {
        validateEnv({ ...BASE, DATABASE_URL: url });
        throw new Error(`expected a failure for ${url}`);
      } catch (error) {
        expect((error as Error).message).toMatch(/^DATABASE_URL /);
        expect((error as Error).message).not.toContain('hunter2');
      }
    }
  });

  it('DB2: pool size and timeouts outside their bounds are config errors naming the variable', () => {
    for (const [name, value] of [
      ['DATABASE_POOL_MAX', '0'],
      ['DATABASE_POOL_MAX', '101'],
      ['DATABASE_CONNECT_TIMEOUT_MS', '50'],
      ['DATABASE_STATEMENT_TIMEOUT_MS', '8000'],
      ['DATABASE_STATEMENT_TIMEOUT_MS', '2s'],
    ] as const) {
      expect(() => validateEnv({ ...BASE, [name]: value })).toThrow(new RegExp(`^${name} `));
    }
  });
});

describe('.env.example', () => {
  const text = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');

  it('documents every variable (description, format, required or optional, default)', () => {
    for (const name of ENV_VARIABLES) {
      const doc = new RegExp(`^# ${name} — (REQUIRED|optional)\\.`, 'm');
      expect(text).toMatch(doc);
    }
    const documented = [...text.matchAll(/^# ([A-Z0-9_]+) — /gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual([...ENV_VARIABLES].sort());
  });

  it('is itself a valid configuration', () => {
    expect(() => validateEnv(parseEnv(text))).not.toThrow();
  });
});

describe('DPoP variables', () => {
  it('AD33: AUTH0_DPOP_MODE is allowed, required or disabled; anything else stops the boot', () => {
    for (const mode of ['allowed', 'required', 'disabled', 'REQUIRED'] as const) {
      expect(validateEnv({ ...BASE, AUTH0_DPOP_MODE: mode }).dpopMode).toBe(mode.toLowerCase());
    }
    for (const mode of ['none', 'true', 'optional']) {
      expect(() => validateEnv({ ...BASE, AUTH0_DPOP_MODE: mode })).toThrow(
        /^AUTH0_DPOP_MODE must be one of allowed, required, disabled$/,
      );
    }
  });

  it('AD34: API_PUBLIC_URL must be a bare https origin (http on loopback only)', () => {
    expect(
      validateEnv({ ...BASE, API_PUBLIC_URL: 'https://API.example.com:443/' }).apiPublicUrl,
    ).toBe('https://api.example.com');
    expect(validateEnv({ ...BASE, API_PUBLIC_URL: 'http://127.0.0.1:7000' }).apiPublicUrl).toBe(
      'http://127.0.0.1:7000',
    );
    for (const url of [
      'https://api.example.com/v1',
      'http://api.example.com',
      'api.example.com',
      'https://api.example.com/?a=1',
    ]) {
      expect(() => validateEnv({ ...BASE, API_PUBLIC_URL: url })).toThrow(/^API_PUBLIC_URL /);
    }
  });

  it('AD35: DPOP_NONCE_SECRET shorter than 32 characters stops the boot without echoing it', () => {
    const secret = 'short-secret-123';
    let message = '';
    try {
      validateEnv({ ...BASE, DPOP_NONCE_SECRET: secret });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^DPOP_NONCE_SECRET must be at least 32 characters/);
    expect(message).not.toContain(secret);
    const long = 'x'.repeat(32);
    expect(validateEnv({ ...BASE, DPOP_NONCE_SECRET: long }).dpopNonceSecret).toBe(long);
  });
});
