// What differs between the Node lines CI runs (the machine's, 22, 24): the platform features this
// service and its tests rely on, each checked directly on the Node running the suite, so that a
// failing leg names the feature rather than failing somewhere deep in an e2e test.
//  - RT2 crypto: KeyObject from a JWK and back, RS256 and ES256 (JOSE's raw r||s form) with
//    node:crypto, WebCrypto importing a JWK and verifying what node:crypto signed, randomUUID;
//  - RT3 the global fetch (undici) against a loopback server, with AbortSignal.timeout;
//  - RT4 jest's ESM mode as this package runs it (--experimental-vm-modules): ESM test files,
//    dynamic import(), and CommonJS jwks-rsa require()-ing ESM-only jose through the transform;
//  - RT5 better-sqlite3's native addon loads on this Node (built against its headers).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomUUID,
  sign,
  verify,
  webcrypto,
} from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { migrateSqlite, openSqlite } from '../src/database/sqlite-customers.repository.js';

const data = Buffer.from('header.payload');

describe('RT2: the crypto APIs the project uses', () => {
  it('RT2: an RSA key goes to a JWK and back, and RS256 signs and verifies with the KeyObjects', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = publicKey.export({ format: 'jwk' });
    expect(jwk).toMatchObject({ kty: 'RSA', e: 'AQAB' });
    const imported = createPublicKey({ key: jwk, format: 'jwk' });
    expect(imported.asymmetricKeyType).toBe('rsa');
    expect(imported.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const signature = sign('sha256', data, privateKey);
    expect(verify('sha256', data, imported, signature)).toBe(true);
    expect(verify('sha256', Buffer.from('tampered'), imported, signature)).toBe(false);
    // The private JWK imports too (key material configured as a JWK).
    const privateJwk = privateKey.export({ format: 'jwk' });
    expect(createPrivateKey({ key: privateJwk, format: 'jwk' }).type).toBe('private');
  });

  it('RT2: ES256 signs in the JOSE form (64 raw bytes) and WebCrypto verifies it from the JWK', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const signature = sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
    expect(signature).toHaveLength(64);
    const jwk = publicKey.export({ format: 'jwk' });
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256' });
    const key = await webcrypto.subtle.importKey(
      'jwk',
      jwk as webcrypto.JsonWebKey,
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['verify'],
    );
    const params = { name: 'ECDSA', hash: 'SHA-256' };
    await expect(webcrypto.subtle.verify(params, key, signature, data)).resolves.toBe(true);
    await expect(webcrypto.subtle.verify(params, key, signature, Buffer.from('x'))).resolves.toBe(
      false,
    );
    // globalThis.crypto is the same WebCrypto (jose and oauth4webapi use the global).
    expect(globalThis.crypto.subtle).toBeDefined();
  });

  it('RT2: randomUUID gives RFC 9562 version 4 identifiers', () => {
    const ids = new Set(Array.from({ length: 100 }, () => randomUUID()));
    expect(ids.size).toBe(100);
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    expect(globalThis.crypto.randomUUID()).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('RT3: the global fetch', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/slow') return; // never answers: the caller's timeout must fire
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        response.writeHead(201, { 'content-type': 'application/json', 'x-echo': 'yes' });
        response.end(
          JSON.stringify({ method: request.method, auth: request.headers.authorization, body }),
        );
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  });

  it('RT3: fetch sends a form body and headers and reads status, headers and JSON', async () => {
    const response = await fetch(`${base}/echo`, {
      method: 'POST',
      headers: { authorization: 'Bearer abc', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ a: '1', b: 'two words' }),
      signal: AbortSignal.timeout(10_000),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-echo')).toBe('yes');
    await expect(response.json()).resolves.toEqual({
      method: 'POST',
      auth: 'Bearer abc',
      body: 'a=1&b=two+words',
    });
  });

  it('RT3: AbortSignal.timeout aborts a request that gets no answer, as a TimeoutError', async () => {
    const error = await fetch(`${base}/slow`, { signal: AbortSignal.timeout(200) }).catch(
      (caught: unknown) => caught,
    );
    // A DOMException from Node's own realm: not instanceof the Error of jest's sandbox.
    expect(error).toMatchObject({ name: 'TimeoutError' });
  });
});

describe('RT4: jest ESM mode as this package uses it', () => {
  it('RT4: this file runs as an ES module and import() loads ESM-only jose', async () => {
    expect(typeof import.meta.url).toBe('string');
    const jose = await import('jose');
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const thumbprint = await jose.calculateJwkThumbprint(publicKey.export({ format: 'jwk' }));
    expect(thumbprint).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('RT4: CommonJS jwks-rsa, which require()s ESM-only jose, loads and converts a JWK', async () => {
    const { JwksClient } = await import('jwks-rsa');
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' };
    const client = new JwksClient({
      jwksUri: 'http://127.0.0.1:9/unused',
      fetcher: () => Promise.resolve({ keys: [jwk] }),
    });
    const [key] = await client.getSigningKeys();
    expect(key?.kid).toBe('k1');
    expect(createPublicKey(key!.getPublicKey()).asymmetricKeyType).toBe('rsa');
  });
});

describe('RT5: better-sqlite3', () => {
  it("RT5: the native addon loads on this Node and the service's schema and seed work", () => {
    const db = openSqlite(':memory:', { max: 1, connectTimeoutMs: 2000, statementTimeoutMs: 2000 });
    try {
      migrateSqlite(db);
      const row = db.prepare('SELECT sqlite_version() AS version').get() as { version: string };
      expect(row.version).toMatch(/^3\.\d+\.\d+$/);
      const count = db.prepare('SELECT COUNT(*) AS n FROM customers').get() as { n: number };
      expect(count.n).toBeGreaterThan(0);
    } finally {
      db.close();
    }
  });
});
