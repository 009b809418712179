// The launcher's security modes and how each part is configured: Private Key JWT and DPoP by
// default (fresh keys per run, no client secret anywhere), LOCAL_DPOP=required|false,
// LOCAL_CLIENT_AUTH=secret, the children's environment (nothing inherited that could point a
// part elsewhere, no secure-api/.env), and `npm run token`. Real processes where it matters:
// the built Auth0 stand-in started with the launcher's environment, secure-api started the
// way the launcher starts it, the built token printer.
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createPublicKey } from 'node:crypto';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import {
  calculateJwkThumbprint,
  createRemoteJWKSet,
  decodeJwt,
  importJWK,
  jwtVerify,
  SignJWT,
  type JWK,
} from 'jose';
import { randomUUID } from 'node:crypto';
import { ChildProcessGroup, type ManagedChild } from '../src/launcher/child-process-group';
import { waitForHttp, waitForReadyLine } from '../src/launcher/health';
import { partCommand, runtimeEnvironment } from '../src/launcher/part-commands';
import { pickFreePort } from '../src/launcher/ports';
import { banner } from '../src/launcher/banner';
import { modesFromEnvironment, type SecurityModes } from '../src/launcher/security-modes';
import {
  apiEnvironment,
  auth0Environment,
  createSystemConfig,
  functionsEnvironment,
  writeGeneratedFiles,
  type SystemConfig,
} from '../src/launcher/system-config';
import { LocalStackError } from '../src/shared/local-stack-error';
import { CLIENT_ASSERTION_TYPE, startAuth0StandIn } from '../src';
import { postWithProofs, proof, type ProofKey } from './dpop-proofs';
import { printToken } from './print-token';

const ROOT = join(__dirname, '..', '..');
const ports = { auth0: 4000, sync: 4010, api: 7000, functions: 3000 };
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function config(modes?: SecurityModes, o: Partial<{ rootDir: string; stateDir: string }> = {}) {
  return createSystemConfig({
    rootDir: o.rootDir ?? '/r',
    stateDir: o.stateDir ?? '/r/.local-stack',
    ports,
    enableControl: true,
    ...(modes === undefined ? {} : { modes }),
  });
}

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('security modes', () => {
  it('LS1: by default the functions get a DPoP key and an assertion key, and no secret exists', () => {
    const c = config();
    expect(c.modes).toEqual({ dpop: 'allowed', clientAuth: 'private_key_jwt' });
    const fn = functionsEnvironment(c);
    expect(fn.AUTH0_CLIENT_SECRET).toBeUndefined();
    expect(c.auth0.clientSecret).toBeUndefined();
    expect(fn.API_BASE_URL).toBe('http://127.0.0.1:7000');
    expect(fn.AUTH0_CLIENT_ASSERTION_ALG).toBe('RS256');

    const dpop = JSON.parse(fn.DPOP_PRIVATE_KEY!) as JWK;
    expect(dpop).toMatchObject({ kty: 'EC', crv: 'P-256', d: expect.any(String) });
    expect(fn.DPOP_PRIVATE_KEY).not.toContain('\n');
    const assertionKey = JSON.parse(fn.AUTH0_CLIENT_ASSERTION_KEY!) as JWK;
    expect(assertionKey).toMatchObject({ kty: 'RSA', d: expect.any(String) });
    expect(Buffer.from(assertionKey.n!, 'base64url').length * 8).toBeGreaterThanOrEqual(2048);

    const standIn = auth0Environment(c);
    expect(standIn.LOCAL_AUTH0_CLIENT_SECRET).toBeUndefined();
    expect(standIn.LOCAL_AUTH0_DPOP).toBe('allowed');
    // The stand-in's public key is the functions' key's public half.
    const registered = createPublicKey(standIn.LOCAL_AUTH0_CLIENT_PUBLIC_KEY!).export({
      format: 'jwk',
    });
    expect(registered.n).toBe(assertionKey.n);
    expect(apiEnvironment(c).AUTH0_DPOP_MODE).toBe('allowed');

    // Fresh per run.
    const again = functionsEnvironment(config());
    expect(again.DPOP_PRIVATE_KEY).not.toBe(fn.DPOP_PRIVATE_KEY);
    expect(again.AUTH0_CLIENT_ASSERTION_KEY).not.toBe(fn.AUTH0_CLIENT_ASSERTION_KEY);
  });

  it('LS2: LOCAL_DPOP=required puts the stand-in and secure-api on required', () => {
    const modes = modesFromEnvironment({ LOCAL_DPOP: 'required' });
    expect(modes).toEqual({ dpop: 'required', clientAuth: 'private_key_jwt' });
    const c = config(modes);
    expect(auth0Environment(c).LOCAL_AUTH0_DPOP).toBe('required');
    expect(apiEnvironment(c).AUTH0_DPOP_MODE).toBe('required');
    expect(functionsEnvironment(c).DPOP_PRIVATE_KEY).toEqual(expect.any(String));
  });

  it('LS3: LOCAL_DPOP=false runs Bearer only: no key for the functions', () => {
    const modes = modesFromEnvironment({ LOCAL_DPOP: 'false' });
    expect(modes.dpop).toBe('off');
    const c = config(modes);
    expect(functionsEnvironment(c).DPOP_PRIVATE_KEY).toBeUndefined();
    expect(auth0Environment(c).LOCAL_AUTH0_DPOP).toBe('none');
    expect(apiEnvironment(c).AUTH0_DPOP_MODE).toBe('disabled');
  });

  it('LS4: LOCAL_CLIENT_AUTH=secret switches back to a generated client secret', () => {
    const modes = modesFromEnvironment({ LOCAL_CLIENT_AUTH: 'secret' });
    expect(modes).toEqual({ dpop: 'allowed', clientAuth: 'secret' });
    const c = config(modes);
    const fn = functionsEnvironment(c);
    expect(fn.AUTH0_CLIENT_SECRET).toMatch(/^[\w-]{32}$/);
    expect(fn.AUTH0_CLIENT_ASSERTION_KEY).toBeUndefined();
    expect(auth0Environment(c).LOCAL_AUTH0_CLIENT_SECRET).toBe(fn.AUTH0_CLIENT_SECRET);
    expect(auth0Environment(c).LOCAL_AUTH0_CLIENT_PUBLIC_KEY).toBeUndefined();
  });

  it('LS5: an unknown LOCAL_DPOP or LOCAL_CLIENT_AUTH stops the launcher naming the variable', () => {
    for (const [env, name] of [
      [{ LOCAL_DPOP: 'maybe' }, 'LOCAL_DPOP'],
      [{ LOCAL_CLIENT_AUTH: 'mtls' }, 'LOCAL_CLIENT_AUTH'],
    ] as const) {
      let caught: unknown;
      try {
        modesFromEnvironment(env);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(LocalStackError);
      expect((caught as LocalStackError).code).toBe('INVALID_OPTION');
      expect((caught as LocalStackError).message).toMatch(new RegExp(`^${name} must be`));
    }
  });

  it('LS6: the functions’ env file carries the one-line JWKs intact, for twilio-run’s dotenv too', async () => {
    const stateDir = tempDir('launcher-modes-');
    const c = config(undefined, { stateDir });
    await writeGeneratedFiles(c);
    const text = readFileSync(c.functionsEnvFile, 'utf8');
    expect(parseEnv(text)).toEqual(functionsEnvironment(c));
    const twilioRunRequire = createRequire(require.resolve('twilio-run/package.json'));
    const dotenv = twilioRunRequire('dotenv') as { parse(src: string): Record<string, string> };
    expect(dotenv.parse(text)).toEqual(functionsEnvironment(c));
    // The manifest other tools read holds no key and no secret.
    const manifest = readFileSync(join(stateDir, 'system.json'), 'utf8');
    const security = c.security;
    expect(manifest).not.toContain(JSON.parse(security.dpopPrivateJwk!).d);
    expect(manifest).not.toContain(JSON.parse(security.assertionKey!.privateJwk).d);
  });

  it('LS7: the banner says which modes are on and how to get a token for curl', () => {
    const on = banner(config(), false);
    expect(on).toMatch(/DPoP on/);
    expect(on).toMatch(/Private Key JWT.*no client secret anywhere/);
    expect(on).toContain('npm run token -w local-stack');
    const off = banner(config({ dpop: 'off', clientAuth: 'secret' }), false);
    expect(off).toMatch(/DPoP off: Bearer tokens only \(LOCAL_DPOP=false\)/);
    expect(off).toMatch(/Client secret/);
    expect(banner(config({ dpop: 'required', clientAuth: 'secret' }), false)).toMatch(
      /DPoP required/,
    );
  });
});

describe('each part’s whole configuration comes from the launcher', () => {
  it('LS8: children inherit the machine’s variables but no application setting from the shell', () => {
    const shell = {
      PATH: '/usr/bin',
      HOME: '/home/me',
      LANG: 'C.UTF-8',
      CORS_ORIGINS: 'https://leak.example',
      LOG_LEVEL: 'warn',
      AUTH0_CLIENT_SECRET: 'from-the-shell',
      LOCAL_AUTH0_CLIENT_SECRET: 'from-the-shell',
      TWILIO_ACCOUNT_SID: 'AC-from-the-shell',
      PORT: '9999',
    };
    expect(runtimeEnvironment(shell)).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/me',
      LANG: 'C.UTF-8',
    });
    const saved = { ...process.env };
    cleanups.push(() => {
      process.env = saved;
    });
    Object.assign(process.env, shell);
    const c = config();
    for (const part of ['auth0', 'sync', 'api'] as const) {
      const env = partCommand(part, c).env;
      expect(env.CORS_ORIGINS).toBeUndefined();
      expect(env.AUTH0_CLIENT_SECRET).toBeUndefined();
      expect(env.LOCAL_AUTH0_CLIENT_SECRET).toBeUndefined();
      expect(env.TWILIO_ACCOUNT_SID).toBeUndefined();
      expect(env.PATH).toBe('/usr/bin');
    }
    expect(partCommand('api', c).env.PORT).toBe('7000');
    expect(partCommand('api', c).env.LOG_LEVEL).toBe('info');
    expect(partCommand('auth0', c).env.PORT).toBeUndefined();
  });

  it('LS9: secure-api started by the launcher ignores secure-api/.env (CORS_ORIGINS, LOG_LEVEL=warn)', async () => {
    // A copy of the built secure-api in a temporary root, with a .env a developer could have.
    const root = tempDir('launcher-dotenv-');
    mkdirSync(join(root, 'secure-api'));
    cpSync(join(ROOT, 'secure-api', 'dist'), join(root, 'secure-api', 'dist'), {
      recursive: true,
    });
    cpSync(join(ROOT, 'secure-api', 'migrations'), join(root, 'secure-api', 'migrations'), {
      recursive: true,
    });
    cpSync(join(ROOT, 'secure-api', 'package.json'), join(root, 'secure-api', 'package.json'));
    symlinkSync(join(ROOT, 'secure-api', 'node_modules'), join(root, 'secure-api', 'node_modules'));
    symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
    const leaked = 'https://leak.example';
    writeFileSync(join(root, 'secure-api', '.env'), `CORS_ORIGINS=${leaked}\nLOG_LEVEL=warn\n`);
    const auth0 = await startAuth0StandIn();
    cleanups.push(() => auth0.close());

    async function run(skipEnvFile: boolean): Promise<{ cors: string | null; logged: boolean }> {
      const c = createSystemConfig({
        rootDir: root,
        stateDir: join(root, 'state'),
        ports: { ...ports, auth0: Number(new URL(auth0.url).port), api: await pickFreePort() },
        enableControl: false,
      });
      const spec = partCommand('api', c);
      if (!skipEnvFile) delete spec.env.SECURE_API_SKIP_ENV_FILE;
      // Without the launcher's own LOG_LEVEL, only the file could make it warn.
      delete spec.env.LOG_LEVEL;
      const lines: string[] = [];
      const group = new ChildProcessGroup(
        (_part, line) => lines.push(line),
        () => {},
      );
      cleanups.push(() => group.stopAll());
      const child: ManagedChild = group.start(spec);
      await waitForHttp(child, `${c.urls.api}/health/ready`, (s) => s === 200, 60_000);
      const before = lines.length;
      const res = await fetch(`${c.urls.api}/health`, { headers: { Origin: leaked } });
      await res.text();
      await new Promise((r) => setTimeout(r, 300));
      await group.stopAll();
      return {
        cors: res.headers.get('access-control-allow-origin'),
        logged: lines.slice(before).some((l) => l.includes('/health')),
      };
    }

    // Without the launcher's switch the file is read: the test can tell the difference.
    expect(await run(false)).toEqual({ cors: leaked, logged: false });
    expect(await run(true)).toEqual({ cors: null, logged: true });
  }, 120_000);
});

describe('the Auth0 stand-in as the launcher starts it, and `npm run token`', () => {
  async function startStandIn(modes?: SecurityModes): Promise<{ c: SystemConfig; url: string }> {
    const stateDir = tempDir('launcher-token-');
    const c = createSystemConfig({
      rootDir: ROOT,
      stateDir,
      ports: { ...ports, auth0: await pickFreePort() },
      enableControl: true,
      ...(modes === undefined ? {} : { modes }),
    });
    await writeGeneratedFiles(c);
    const group = new ChildProcessGroup(
      () => {},
      () => {},
    );
    cleanups.push(() => group.stopAll());
    const url = (await waitForReadyLine(group.start(partCommand('auth0', c)), 30_000)).trim();
    return { c, url: url.replace(/^ready /, '') };
  }

  it('LS10: by default the stand-in takes the functions’ assertions and proofs, and no secret', async () => {
    const { c } = await startStandIn();
    const fn = functionsEnvironment(c);
    const key = await importJWK(JSON.parse(fn.AUTH0_CLIENT_ASSERTION_KEY!) as JWK, 'RS256');
    const assertion = await new SignJWT({ jti: randomUUID() })
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer(c.auth0.clientId)
      .setSubject(c.auth0.clientId)
      .setAudience(c.auth0.issuer)
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(key);
    const dpopJwk = JSON.parse(fn.DPOP_PRIVATE_KEY!) as JWK;
    const { d: _d, ...publicJwk } = dpopJwk;
    const dpopKey: ProofKey = {
      alg: 'ES256',
      privateKey: (await importJWK(dpopJwk, 'ES256')) as ProofKey['privateKey'],
      publicJwk,
      privateJwk: dpopJwk,
    };
    const answer = await postWithProofs(
      c.auth0.tokenUrl,
      {
        grant_type: 'client_credentials',
        client_assertion_type: CLIENT_ASSERTION_TYPE,
        client_assertion: assertion,
        audience: c.auth0.audience,
      },
      [await proof(dpopKey, c.auth0.tokenUrl)],
    );
    expect(answer.status).toBe(200);
    expect(answer.body.token_type).toBe('DPoP');
    expect(decodeJwt(answer.body.access_token as string).cnf).toEqual({
      jkt: await calculateJwkThumbprint(publicJwk),
    });
    // The stand-in was started without any secret: a guess gets the failed-authentication answer.
    const guess = await postWithProofs(
      c.auth0.tokenUrl,
      {
        grant_type: 'client_credentials',
        client_id: c.auth0.clientId,
        client_secret: 'local-m2m-secret-change-me',
        audience: c.auth0.audience,
      },
      [],
    );
    expect(guess.status).toBe(401);
  }, 60_000);

  it('LS11: `npm run token` prints a Bearer token (no cnf) that verifies against the stand-in', async () => {
    for (const modes of [undefined, { dpop: 'off', clientAuth: 'secret' } as const]) {
      const { c } = await startStandIn(modes);
      const { code, out, err } = await printToken(c.stateDir);
      expect({ code, err }).toEqual({ code: 0, err: '' });
      const token = out.trim();
      const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(c.auth0.jwksUri)), {
        issuer: c.auth0.issuer,
        audience: c.auth0.audience,
      });
      expect(payload.cnf).toBeUndefined();
      expect(payload.azp).toBe(c.auth0.clientId);
    }
  }, 60_000);

  it('LS12: `npm run token` explains itself when nothing runs or when Bearer is refused', async () => {
    const nothing = await printToken(tempDir('launcher-none-'));
    expect(nothing.code).toBe(1);
    expect(nothing.err).toMatch(/No running system found .*npm start/);
    const { c } = await startStandIn({ dpop: 'required', clientAuth: 'private_key_jwt' });
    const refused = await printToken(c.stateDir);
    expect(refused.code).toBe(1);
    expect(refused.out).toBe('');
    expect(refused.err).toMatch(/LOCAL_DPOP=required: Bearer tokens are refused/);
    const secrets = [JSON.parse(c.security.assertionKey!.privateJwk).d as string];
    for (const s of secrets) expect(refused.err).not.toContain(s);
  }, 60_000);
});
