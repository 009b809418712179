// What differs between the Node lines CI runs (the machine's, 22, 24) on the function side:
//  - RT6 twilio-run's fork model, which the local tests and the launcher rely on: by default
//    each request runs in a new child process (no module state survives, as between Twilio
//    containers), on the same Node as twilio-run itself; with --no-fork-process module state
//    stays. Checked with a probe function in a scratch folder served by the real twilio-run.
//  - RT7 the node:crypto pieces the functions use: AES-256-GCM (TOKEN_CACHE_KEY) with its
//    authentication tag, and SHA-256.
import { spawn } from 'node:child_process';
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort } from './support/free-port';

const PACKAGE_DIR = resolve(__dirname, '..');
const TWILIO_RUN = resolve(PACKAGE_DIR, '../node_modules/.bin/twilio-run');

interface ProbeAnswer {
  pid: number;
  node: string;
  invocations: number;
}

describe('RT6: the twilio-run fork model on this Node', () => {
  let scratch: string;
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'twilio-run-fork-'));
    mkdirSync(join(scratch, 'functions'));
    mkdirSync(join(scratch, 'assets'));
    writeFileSync(join(scratch, 'assets', 'index.html'), 'up\n');
    writeFileSync(join(scratch, '.env'), '');
    // twilio-run looks for the folders under its working directory, a project with package.json.
    writeFileSync(
      join(scratch, 'package.json'),
      JSON.stringify({ name: 'fork-probe', version: '1.0.0', private: true }),
    );
    writeFileSync(
      join(scratch, 'functions', 'probe.js'),
      [
        'let invocations = 0;',
        'exports.handler = (context, event, callback) => {',
        '  invocations += 1;',
        '  callback(null, { pid: process.pid, node: process.version, invocations });',
        '};',
        '',
      ].join('\n'),
    );
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  /** twilio-run serving the probe with `flags`; two requests in turn; then it is stopped. */
  async function twoRequests(flags: string[]): Promise<{ pid: number; answers: ProbeAnswer[] }> {
    const port = await freePort();
    const child = spawn(
      TWILIO_RUN,
      [
        '--functions-folder',
        'functions',
        '--assets-folder',
        'assets',
        '--env',
        '.env',
        '--port',
        String(port),
        ...flags,
      ],
      {
        cwd: scratch,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, CI: 'true' },
        detached: true,
        stdio: 'ignore',
      },
    );
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    try {
      const url = `http://localhost:${port}`;
      for (let attempt = 0; ; attempt += 1) {
        const up = await fetch(`${url}/index.html`, { signal: AbortSignal.timeout(1000) })
          .then((response) => response.status === 200)
          .catch(() => false);
        if (up) break;
        if (attempt > 300 || child.exitCode !== null) throw new Error('twilio-run did not start');
        await new Promise((wait) => setTimeout(wait, 100));
      }
      const answers: ProbeAnswer[] = [];
      for (let i = 0; i < 2; i += 1) {
        const response = await fetch(`${url}/probe`, { signal: AbortSignal.timeout(30_000) });
        expect(response.status).toBe(200);
        answers.push((await response.json()) as ProbeAnswer);
      }
      return { pid: child.pid!, answers };
    } finally {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
      await exited;
    }
  }

  it('RT6: by default each request runs in a new process on this Node, with fresh module state', async () => {
    const { pid, answers } = await twoRequests([]);
    const [first, second] = answers;
    expect(first!.pid).not.toBe(second!.pid);
    expect([first!.pid, second!.pid]).not.toContain(pid);
    expect(answers.map((a) => a.invocations)).toEqual([1, 1]);
    expect(answers.map((a) => a.node)).toEqual([process.version, process.version]);
  }, 60_000);

  it('RT6: with --no-fork-process requests share one process and its module state', async () => {
    const { answers } = await twoRequests(['--no-fork-process', '--no-live']);
    const [first, second] = answers;
    expect(first!.pid).toBe(second!.pid);
    expect(answers.map((a) => a.invocations)).toEqual([1, 2]);
    expect(first!.node).toBe(process.version);
  }, 60_000);
});

describe('RT7: the crypto the functions use', () => {
  it('RT7: AES-256-GCM round-trips with associated data, and a changed byte fails authentication', () => {
    const key = randomBytes(32);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from('document-name'));
    const sealed = Buffer.concat([cipher.update('secret token', 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    expect(tag).toHaveLength(16);

    const open = (data: Buffer, aad = 'document-name') => {
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAAD(Buffer.from(aad));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
    };
    expect(open(sealed)).toBe('secret token');
    const tampered = Buffer.from(sealed);
    tampered[0] = tampered[0]! ^ 1;
    expect(() => open(tampered)).toThrow();
    expect(() => open(sealed, 'another-document')).toThrow();
  });

  it('RT7: SHA-256 digests match the known vector', () => {
    expect(createHash('sha256').update('abc').digest('hex')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});
