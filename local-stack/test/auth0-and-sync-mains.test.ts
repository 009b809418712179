// The standalone entry points, as the launcher and a newcomer run them: the built
// dist/auth0/main.js and dist/sync/main.js print `ready <url>`, answer plain HTTP clients
// and the twilio SDK, log one line per request, and exit 0 on SIGTERM/SIGINT.
// They run from dist/, so the package must be built first (`npm test` at the root does).
import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import twilio from 'twilio';

const DIST = join(__dirname, '..', 'dist');

interface Started {
  child: ChildProcess;
  url: string;
  lines: string[];
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

function startMain(script: string, env: Record<string, string>): Promise<Started> {
  const path = join(DIST, script);
  if (!existsSync(path)) throw new Error(`${path} is missing: run npm run build -w local-stack`);
  const child = spawn(process.execPath, [path], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines: string[] = [];
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      lines.push(line);
      const ready = /^ready (\S+)$/.exec(line);
      if (ready) resolve({ child, url: ready[1]!, lines });
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before ready`)));
  });
}

function exitCode(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill(signal);
  });
}

describe('standalone mains', () => {
  it('auth0: ready line, credentials, token over plain HTTP, request log, exit 0 on SIGTERM', async () => {
    const { child, url, lines } = await startMain('auth0/main.js', {
      LOCAL_AUTH0_PORT: '0',
      LOCAL_AUTH0_CLIENT_ID: 'main-client',
      LOCAL_AUTH0_CLIENT_SECRET: 'main-secret-value',
      LOCAL_AUTH0_AUDIENCE: 'urn:main-api',
      LOCAL_AUTH0_SCOPES: 'read:a write:b',
      LOCAL_AUTH0_TOKEN_LIFETIME: '300',
      LOCAL_AUTH0_CONTROL: 'true',
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const res = await fetch(`${url}oauth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: 'main-client',
        client_secret: 'main-secret-value',
        audience: 'urn:main-api',
      }).toString(),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ scope: 'read:a write:b', expires_in: 300 });
    expect((await fetch(`${url}__control/counters`)).status).toBe(200);
    expect(await exitCode(child, 'SIGTERM')).toBe(0);

    const output = lines.join('\n');
    expect(output).toContain('client_id main-client');
    expect(output).toContain('audience urn:main-api');
    expect(output).toMatch(/^POST \/oauth\/token 200 \d+ms$/m);
    // A secret chosen by the user never reaches the output.
    expect(output).not.toContain('main-secret-value');
  });

  it('SA53: auth0 standalone: LOCAL_AUTH0_CLIENT_PUBLIC_KEY (a path, two keys) without a secret, LOCAL_AUTH0_DPOP required', async () => {
    const old = await generateKeyPair('RS256');
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const dir = mkdtempSync(join(tmpdir(), 'auth0-main-key-'));
    const pemPath = join(dir, 'client.pub.pem');
    // Two credentials, as during a rotation; their ids in the same order.
    writeFileSync(pemPath, `${await exportSPKI(old.publicKey)}${await exportSPKI(publicKey)}`);
    try {
      const { child, url, lines } = await startMain('auth0/main.js', {
        LOCAL_AUTH0_PORT: '0',
        LOCAL_AUTH0_CLIENT_ID: 'key-client',
        LOCAL_AUTH0_CLIENT_SECRET: '',
        LOCAL_AUTH0_CLIENT_PUBLIC_KEY: pemPath,
        LOCAL_AUTH0_CLIENT_PUBLIC_KEY_KID: 'cred-old,cred-new',
        LOCAL_AUTH0_AUDIENCE: 'urn:main-api',
        LOCAL_AUTH0_DPOP: 'required',
      });
      const assertion = (kid: string) =>
        new SignJWT({ jti: randomUUID() })
          .setProtectedHeader({ alg: 'RS256', kid })
          .setIssuer('key-client')
          .setSubject('key-client')
          .setAudience(url)
          .setIssuedAt()
          .setExpirationTime('1m')
          .sign(privateKey);
      const body = {
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: await assertion('cred-new'),
        audience: 'urn:main-api',
      };
      // The new key under the old credential's id does not verify.
      const wrongKid = await fetch(`${url}oauth/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ ...body, client_assertion: await assertion('cred-old') }),
      });
      expect(wrongKid.status).toBe(401);
      // `required`: the assertion is good, but a proof is missing.
      const noProof = await fetch(`${url}oauth/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(noProof.status).toBe(400);
      expect(((await noProof.json()) as { error: string }).error).toBe('invalid_request');
      // No secret was registered: the documented default is not accepted either.
      const bySecret = await fetch(`${url}oauth/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          grant_type: 'client_credentials',
          client_id: 'key-client',
          client_secret: 'local-m2m-secret-change-me',
          audience: 'urn:main-api',
        }),
      });
      expect(bySecret.status).toBe(401);
      expect(await exitCode(child, 'SIGTERM')).toBe(0);
      expect(lines).toContain('client_auth private_key_jwt');
      expect(lines).toContain('client_secret (none)');
      expect(lines).toContain('dpop required');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('SA54: auth0 standalone: a bad LOCAL_AUTH0_DPOP or key path exits 1 naming the variable', async () => {
    for (const env of [
      { LOCAL_AUTH0_DPOP: 'sometimes' },
      { LOCAL_AUTH0_CLIENT_PUBLIC_KEY: '/nonexistent/key.pem' },
    ]) {
      const child = spawn(process.execPath, [join(DIST, 'auth0/main.js')], {
        env: { ...process.env, LOCAL_AUTH0_PORT: '0', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let err = '';
      child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).toBe(1);
      expect(err).toContain(Object.keys(env)[0]!);
    }
  });

  it('sync: the twilio SDK works against it, and it exits 0 on SIGINT', async () => {
    const { child, url, lines } = await startMain('sync/main.js', { LOCAL_SYNC_PORT: '0' });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const client = twilio('AC00000000000000000000000000000000', '00000000000000000000000000000000');
    client.sync.baseUrl = url;
    const docs = client.sync.v1.services(`IS${'0'.repeat(32)}`).documents;
    await docs.create({ uniqueName: 'from-main', data: { ok: true } });
    expect((await docs('from-main').fetch()).data).toEqual({ ok: true });
    expect(await exitCode(child, 'SIGINT')).toBe(0);
    expect(lines).toContain('account_sid AC00000000000000000000000000000000');
    expect(
      lines.some((l) => /^GET \/v1\/Services\/IS0+\/Documents\/from-main 200 \d+ms$/.test(l)),
    ).toBe(true);
  });

  it('sync: refuses a malformed port with exit code 1', async () => {
    await expect(startMain('sync/main.js', { LOCAL_SYNC_PORT: 'abc' })).rejects.toThrow(
      /exited with 1/,
    );
  });
});
