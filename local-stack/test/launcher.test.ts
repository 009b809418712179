// The launcher's building blocks, each against real processes and sockets: port choice and
// the busy-port message, the generated wiring, log formatting, and stopping a process group
// together with the processes it forked.
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { buildOutOfDate } from '../src/launcher/build-step';
import { ChildProcessGroup } from '../src/launcher/child-process-group';
import { LocalStackError } from '../src/shared/local-stack-error';
import { readableLine, createPrefixedOutput } from '../src/launcher/log-output';
import { portsFromEnvironment, resolvePorts } from '../src/launcher/ports';
import {
  apiEnvironment,
  createSystemConfig,
  functionsEnvironment,
  writeGeneratedFiles,
} from '../src/launcher/system-config';
import { twilioSignature } from '../src/bin/signed-request';
import { validateRequest } from 'twilio/lib/webhooks/webhooks';
import { isAlive } from './process-state';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function listen(host?: string): Promise<Server & { port: number }> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, ...(host === undefined ? {} : { host }) }, () => {
      const address = server.address();
      cleanups.push(() => new Promise<void>((done) => server.close(() => done())));
      resolve(
        Object.assign(server, { port: typeof address === 'object' && address ? address.port : 0 }),
      );
    });
  });
}

describe('ports', () => {
  it('reads each part’s port variable, API_PORT before PORT, defaults otherwise', () => {
    expect(portsFromEnvironment({})).toEqual({
      auth0: 4000,
      sync: 4010,
      api: 7000,
      functions: 3000,
    });
    expect(
      portsFromEnvironment({
        LOCAL_AUTH0_PORT: '4100',
        LOCAL_SYNC_PORT: '4110',
        PORT: '7100',
        FUNCTIONS_PORT: '3100',
      }),
    ).toEqual({ auth0: 4100, sync: 4110, api: 7100, functions: 3100 });
    expect(portsFromEnvironment({ API_PORT: '7200', PORT: '7100' }).api).toBe(7200);
  });

  it('rejects a value that is not a port, naming the variable', () => {
    expect(() => portsFromEnvironment({ FUNCTIONS_PORT: 'http' })).toThrow(/FUNCTIONS_PORT=http/);
    expect(() => portsFromEnvironment({ LOCAL_SYNC_PORT: '70000' })).toThrow(LocalStackError);
  });

  it('gives every unset part its own free port', async () => {
    const ports = await resolvePorts({});
    expect(new Set(Object.values(ports)).size).toBe(4);
    for (const port of Object.values(ports)) expect(port).toBeGreaterThan(0);
  });

  it('names a busy port and the variable that moves it, for loopback and wildcard listeners', async () => {
    const loopback = await listen('127.0.0.1');
    const wildcard = await listen();
    const error = await resolvePorts({ api: loopback.port, functions: wildcard.port }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LocalStackError);
    expect((error as LocalStackError).code).toBe('PORT_IN_USE');
    const message = (error as LocalStackError).message;
    expect(message).toContain(`Port ${loopback.port} is already in use`);
    expect(message).toContain('API_PORT');
    expect(message).toContain(`Port ${wildcard.port} is already in use`);
    expect(message).toContain('FUNCTIONS_PORT');
    expect(message).not.toContain('LOCAL_AUTH0_PORT');
  });
});

describe('generated wiring', () => {
  const ports = { auth0: 4000, sync: 4010, api: 7000, functions: 3000 };

  it('creates well-formed, per-run credentials', () => {
    const modes = { dpop: 'off', clientAuth: 'secret' } as const;
    const a = createSystemConfig({
      rootDir: '/r',
      stateDir: '/r/.local-stack',
      ports,
      enableControl: false,
      modes,
    });
    const b = createSystemConfig({
      rootDir: '/r',
      stateDir: '/r/.local-stack',
      ports,
      enableControl: false,
      modes,
    });
    expect(a.twilio.accountSid).toMatch(/^AC[0-9a-f]{32}$/);
    expect(a.twilio.authToken).toMatch(/^[0-9a-f]{32}$/);
    expect(a.twilio.syncServiceSid).toMatch(/^IS[0-9a-f]{32}$/);
    expect(Buffer.from(a.tokenCacheKey, 'base64')).toHaveLength(32);
    expect(a.auth0.clientSecret).not.toBe(b.auth0.clientSecret);
    expect(a.twilio.authToken).not.toBe(b.twilio.authToken);
    expect(a.auth0.clientSecret).not.toBe('local-m2m-secret-change-me');
  });

  it('points secure-api at the Auth0 stand-in for every variable a user .env could set', () => {
    const c = createSystemConfig({
      rootDir: '/r',
      stateDir: '/r/.local-stack',
      ports,
      enableControl: false,
    });
    expect(apiEnvironment(c)).toMatchObject({
      PORT: '7000',
      AUTH0_ISSUER_URL: 'http://127.0.0.1:4000/',
      AUTH0_AUDIENCE: 'https://secure-api.local',
      AUTH0_JWKS_URI: 'http://127.0.0.1:4000/.well-known/jwks.json',
      DATABASE_PATH: '/r/.local-stack/secure-api.db',
    });
  });

  it('writes the functions’ env file under the state directory only, readable by its owner', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'launcher-state-'));
    cleanups.push(() => rmSync(stateDir, { recursive: true, force: true }));
    const c = createSystemConfig({
      rootDir: '/nowhere',
      stateDir,
      ports,
      enableControl: true,
      modes: { dpop: 'off', clientAuth: 'secret' },
    });
    await writeGeneratedFiles(c);
    const written = parseEnv(readFileSync(c.functionsEnvFile, 'utf8'));
    expect(written).toEqual(functionsEnvironment(c));
    expect(written).toMatchObject({
      ACCOUNT_SID: c.twilio.accountSid,
      AUTH_TOKEN: c.twilio.authToken,
      AUTH0_TOKEN_URL: 'http://127.0.0.1:4000/oauth/token',
      AUTH0_CLIENT_SECRET: c.auth0.clientSecret,
      API_BASE_URL: 'http://127.0.0.1:7000',
      TWILIO_SYNC_BASE_URL: 'http://127.0.0.1:4010',
      ENABLE_TEST_ENDPOINT: 'true',
    });
    expect(statSync(c.functionsEnvFile).mode & 0o077).toBe(0);
    const manifest = readFileSync(join(stateDir, 'system.json'), 'utf8');
    expect(manifest).toContain('http://localhost:3000/test-api-call');
    expect(manifest).not.toContain(c.twilio.authToken);
    expect(manifest).not.toContain(c.auth0.clientSecret!);
  });
});

describe('request signing', () => {
  it('produces the signature twilio.validateRequest accepts, and only for the same token', () => {
    const url = 'http://localhost:3000/customer-lookup';
    const params = { phone: '+15005550001', From: '+15005550001' };
    const token = '0123456789abcdef0123456789abcdef';
    const signature = twilioSignature(token, url, params);
    expect(validateRequest(token, signature, url, params)).toBe(true);
    expect(validateRequest(token.replace('0', '1'), signature, url, params)).toBe(false);
    expect(validateRequest(token, signature, url, { ...params, phone: '+15005550002' })).toBe(
      false,
    );
  });
});

describe('log output', () => {
  it('shortens a JSON log line to its level, message and fields', () => {
    expect(
      readableLine(
        '{"level":30,"time":1,"pid":9,"hostname":"h","msg":"listening","url":"http://127.0.0.1:7000"}',
      ),
    ).toBe('info listening url=http://127.0.0.1:7000');
    expect(readableLine('{"level":"fatal","msg":"invalid configuration: PORT is bad"}')).toBe(
      'fatal invalid configuration: PORT is bad',
    );
    expect(readableLine('GET /oauth/token 200 3ms')).toBe('GET /oauth/token 200 3ms');
    expect(readableLine('{not json')).toBe('{not json');
  });

  it('prefixes and aligns each line, with colour only when asked', () => {
    const written: string[] = [];
    const plain = createPrefixedOutput({ write: (chunk: string) => written.push(chunk) }, false);
    plain('api', 'hello');
    plain('functions', '\u001b[32mgreen\u001b[39m');
    expect(written).toEqual(['[api]       hello\n', '[functions] green\n']);
    const coloured = createPrefixedOutput({ write: (chunk: string) => written.push(chunk) }, true);
    coloured('sync', 'x');
    expect(written[2]?.startsWith('\u001b[36m[sync]')).toBe(true);
  });
});

describe('child process group', () => {
  // A parent that forks a grandchild, as twilio-run does per request, and ignores SIGTERM in
  // the grandchild: stopping the part must still leave nothing behind.
  const script = `
    const { spawn } = require('node:child_process');
    const grandchild = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"], { stdio: 'ignore' });
    console.log('ready grandchild=' + grandchild.pid);
    setInterval(() => {}, 1000);
  `;

  it('stops a part together with every process it forked', async () => {
    const lines: string[] = [];
    const unexpected: string[] = [];
    const group = new ChildProcessGroup(
      (_part, line) => lines.push(line),
      (exit) => unexpected.push(exit.part),
    );
    cleanups.push(() => group.stopAll());
    const child = group.start({
      part: 'sync',
      command: process.execPath,
      args: ['-e', script],
      cwd: process.cwd(),
      env: process.env,
    });
    const grandchildPid = await new Promise<number>((resolve) => {
      const stop = child.onLine((line) => {
        const match = /grandchild=(\d+)/.exec(line);
        if (match?.[1] !== undefined) {
          stop();
          resolve(Number(match[1]));
        }
      });
    });
    expect(isAlive(grandchildPid)).toBe(true);
    await group.stop('sync');
    const exit = await child.exited;
    expect(exit.expected).toBe(true);
    expect(isAlive(child.pid ?? -1)).toBe(false);
    // The grandchild ignored SIGTERM; the group's final SIGKILL must have reached it.
    for (let i = 0; i < 50 && isAlive(grandchildPid); i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(isAlive(grandchildPid)).toBe(false);
    expect(unexpected).toEqual([]);
    expect(lines[0]).toMatch(/^ready grandchild=/);
  });

  it('reports a part that exits by itself, with its last lines', async () => {
    const reported = new Promise<{ part: string; code: number | null; lastLines: string[] }>(
      (resolve) => {
        const g = new ChildProcessGroup(
          () => {},
          (exit, lastLines) => resolve({ part: exit.part, code: exit.code, lastLines }),
        );
        cleanups.push(() => g.stopAll());
        g.start({
          part: 'api',
          command: process.execPath,
          args: [
            '-e',
            "console.log('starting'); console.error('boom: database locked'); process.exit(3)",
          ],
          cwd: process.cwd(),
          env: process.env,
        });
      },
    );
    const failure = await reported;
    expect(failure).toMatchObject({ part: 'api', code: 3 });
    expect(failure.lastLines).toEqual(
      expect.arrayContaining(['starting', 'boom: database locked']),
    );
  });
});

describe('build step', () => {
  // A throw-away npm workspace whose build counts its runs, or fails when asked to.
  function workspace(): {
    root: string;
    builds: () => number;
    breakBuild: () => void;
    touchSource: () => void;
  } {
    const root = mkdtempSync(join(tmpdir(), 'launcher-build-'));
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    const build = [
      "const fs = require('fs');",
      "if (fs.existsSync('src/broken')) { console.error('src/main.ts(1,1): error TS1005'); process.exit(2); }",
      "fs.mkdirSync('dist', { recursive: true });",
      "fs.appendFileSync('../builds.log', 'x');",
      "fs.writeFileSync('dist/main.js', '');",
    ].join(' ');
    writeFileSync(
      join(root, 'package.json'),
      JSON.stringify({ name: 'root', private: true, workspaces: ['pkg'] }),
    );
    mkdirSync(join(root, 'pkg', 'src'), { recursive: true });
    writeFileSync(
      join(root, 'pkg', 'package.json'),
      JSON.stringify({ name: 'pkg', scripts: { build: `node -e "${build}"` } }),
    );
    writeFileSync(join(root, 'pkg', 'src', 'main.ts'), '');
    return {
      root,
      builds: () => {
        try {
          return readFileSync(join(root, 'builds.log'), 'utf8').length;
        } catch {
          return 0;
        }
      },
      breakBuild: () => writeFileSync(join(root, 'pkg', 'src', 'broken'), ''),
      touchSource: () => {
        const later = new Date(Date.now() + 5000);
        utimesSync(join(root, 'pkg', 'src', 'main.ts'), later, later);
      },
    };
  }

  it('builds a package without dist, then only after a source changes', async () => {
    const w = workspace();
    const options = {
      rootDir: w.root,
      stateDir: join(w.root, '.local-stack'),
      packages: ['pkg'],
      log: () => {},
    };
    expect(await buildOutOfDate(options)).toEqual(['pkg']);
    expect(await buildOutOfDate(options)).toEqual([]);
    expect(w.builds()).toBe(1);
    w.touchSource();
    expect(await buildOutOfDate(options)).toEqual(['pkg']);
    expect(w.builds()).toBe(2);
  }, 30_000);

  it('fails with the build command and the compiler’s last lines', async () => {
    const w = workspace();
    w.breakBuild();
    const options = {
      rootDir: w.root,
      stateDir: join(w.root, '.local-stack'),
      packages: ['pkg'],
      log: () => {},
    };
    const error = await buildOutOfDate(options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LocalStackError);
    expect((error as LocalStackError).code).toBe('BUILD_FAILED');
    expect((error as LocalStackError).message).toContain('npm run build -w pkg failed');
    expect((error as LocalStackError).message).toContain('error TS1005');
  }, 30_000);
});
