// `npm run dpop-key` and `npm run client-key` print lines the functions' configuration accepts:
// the scripts run as a person runs them, and their output is read back by the functions' code.
import { execFile } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from '@jest/globals';
import { readServiceConfig } from '../src/functions/lib/config.private';
import { ACCOUNT_SID, AUTH_TOKEN, SERVICE_SID } from './support/env';

const run = promisify(execFile);
const SCRIPTS = resolve(__dirname, '../scripts');

/** The .env lines of a script's output as variables (comments skipped). */
function envLines(text: string): Record<string, string> {
  const lines = text.split('\n').filter((line) => /^[A-Z0-9_]+=/.test(line));
  return Object.fromEntries(
    lines.map((line) => [line.split('=')[0]!, line.slice(line.indexOf('=') + 1)]),
  );
}

const baseEnv = {
  ACCOUNT_SID,
  AUTH_TOKEN,
  TWILIO_SYNC_SERVICE_SID: SERVICE_SID,
  TWILIO_SYNC_TOKEN_DOC: 'key-scripts',
  AUTH0_TOKEN_URL: 'https://tenant.example/oauth/token',
  AUTH0_CLIENT_ID: 'client',
  AUTH0_AUDIENCE: 'https://api.example',
  API_BASE_URL: 'https://api.example',
};

it('dpop-key prints a DPOP_PRIVATE_KEY line the configuration accepts, with its thumbprint', async () => {
  const { stdout } = await run(process.execPath, [resolve(SCRIPTS, 'dpop-key.mjs')]);
  const { DPOP_PRIVATE_KEY } = envLines(stdout);
  const config = readServiceConfig({
    ...baseEnv,
    AUTH0_CLIENT_SECRET: 'a-client-secret',
    DPOP_PRIVATE_KEY,
  });
  expect(config.dpopKey?.thumbprint).toMatch(/^[\w-]{43}$/);
  expect(stdout).toContain(
    `thumbprint (cnf.jkt of the tokens bound to it): ${config.dpopKey!.thumbprint}`,
  );
});

it('client-key prints the key and algorithm lines the configuration accepts, and the matching public key on stderr', async () => {
  const { stdout, stderr } = await run(process.execPath, [
    resolve(SCRIPTS, 'client-key.mjs'),
    '--alg',
    'PS256',
  ]);
  const lines = envLines(stdout);
  expect(Object.keys(lines)).toEqual(['AUTH0_CLIENT_ASSERTION_KEY', 'AUTH0_CLIENT_ASSERTION_ALG']);
  const config = readServiceConfig({ ...baseEnv, ...lines });
  expect(config.auth0ClientAuth).toMatchObject({ method: 'private_key_jwt' });
  const publicPem = /-----BEGIN PUBLIC KEY-----[\s\S]+-----END PUBLIC KEY-----/.exec(stderr)![0];
  const privatePem = lines.AUTH0_CLIENT_ASSERTION_KEY!.replace(/\\n/g, '\n');
  expect(
    createPublicKey(privatePem).export({ format: 'pem', type: 'spki' }).toString().trim(),
  ).toBe(publicPem);
  expect(stdout).not.toContain('PUBLIC KEY');
});

it('FK8: client-key refuses a key shorter than 2048 bits or another algorithm', async () => {
  for (const args of [
    ['--bits', '1024'],
    ['--alg', 'HS256'],
  ]) {
    await expect(
      run(process.execPath, [resolve(SCRIPTS, 'client-key.mjs'), ...args]),
    ).rejects.toMatchObject({
      code: 2,
    });
  }
});
